#include "acx/event/envelope.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/event/json_reader.hpp"
#include "acx/event/topics.hpp"
#include "acx/util/text.hpp"

namespace acx::event {

namespace {

using Json = nlohmann::json;

// One envelope field and every key it may be sent under, preferred spelling first.
struct Field {
  std::string_view name;
  std::vector<std::string_view> aliases;
  std::string_view expected;
};

// The longest topic name taken: AccuLynx's longest is 52 characters.
constexpr std::size_t k_max_topic = 200;

const std::vector<std::string_view> k_topic_keys{"topicName", "topicNamee", "type"};

const Field k_topic{"topicName", k_topic_keys, "a topic name string such as \"job.milestone.current_changed\""};
const Field k_time{"eventDateTime", {"eventDateTime"}, "an RFC 3339 UTC time such as \"2026-05-26T14:23:55.4999782Z\""};
const Field k_event_id{"eventId", {"eventId"}, "a GUID such as \"a653de1a-84a6-488c-90bc-f6c8e990bf51\""};
const Field k_subscription{
    "subscriptionId", {"subscriptionId"}, "a GUID such as \"f30009c1-b6e3-432a-9a0e-6932c9fabdd8\""};
const Field k_event{"event", {"event"}, "an object"};

// Looks up a field: the first alias (in preference order) present under any capitalisation. Two keys that differ
// only in case are ambiguous and reported.
class FieldReader {
public:
  FieldReader(const Json& object, std::vector<Problem>& problems) : m_object(object), m_problems(problems) {}

  // The value and the key it was found under, or nullptr (with a "missing" problem).
  const Json* find(const Field& field, std::string& key_out)
  {
    for (std::string_view alias : field.aliases) {
      const Json* found = nullptr;
      for (auto it = m_object.begin(); it != m_object.end(); ++it) {
        if (!util::iequals(it.key(), alias)) {
          continue;
        }
        if (found) {
          m_problems.push_back({Problem::Level::error, "$." + it.key(),
                                fmt::format("ambiguous: \"{}\" and \"{}\" are the same key (keys are matched "
                                            "case-insensitively)",
                                            key_out, it.key())});
          return nullptr;
        }
        found = &it.value();
        key_out = it.key();
      }
      if (found) {
        return found;
      }
    }
    m_problems.push_back({Problem::Level::error, fmt::format("$.{}", field.name),
                          fmt::format("missing field: expected {}", field.expected)});
    return nullptr;
  }

  // The field as a string, or nullptr (with a problem).
  const std::string* string(const Field& field, std::string& key_out)
  {
    const Json* v = find(field, key_out);
    if (!v) {
      return nullptr;
    }
    if (!v->is_string()) {
      m_problems.push_back({Problem::Level::error, "$." + key_out,
                            fmt::format("wrong type: expected {}, got {}", field.expected, v->type_name())});
      return nullptr;
    }
    return &v->get_ref<const std::string&>();
  }

  void problem(Problem::Level level, const std::string& key, std::string message)
  {
    m_problems.push_back({level, "$." + key, std::move(message)});
  }

private:
  const Json& m_object;
  std::vector<Problem>& m_problems;
};

} // namespace

const std::vector<std::string_view>& topic_keys()
{
  return k_topic_keys;
}

bool is_guid(std::string_view s)
{
  if (s.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') {
        return false;
      }
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

ParsedEnvelope parse_envelope(std::string_view body)
{
  ParsedEnvelope out;
  JsonDocument doc = read_json(body);
  out.problems = std::move(doc.problems);
  if (!doc.value) {
    return out;
  }
  Json& root = *doc.value;
  if (!root.is_object()) {
    out.problems.push_back(
        {Problem::Level::error, "$", fmt::format("wrong type: expected an envelope object, got {}", root.type_name())});
    return out;
  }

  Envelope env;
  FieldReader r(root, out.problems);
  std::string key;
  std::string key_of_event;

  if (const std::string* topic = r.string(k_topic, key)) {
    const bool control = std::any_of(topic->begin(), topic->end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    if (topic->empty()) {
      r.problem(Problem::Level::error, key, "empty: expected " + std::string(k_topic.expected));
    } else if (control) {
      r.problem(Problem::Level::error, key,
                fmt::format("a control character (CR, LF, tab, NUL, ...) in \"{}\": expected {}", util::excerpt(*topic),
                            k_topic.expected));
    } else if (topic->size() > k_max_topic) {
      r.problem(
          Problem::Level::error, key,
          fmt::format("too long ({} bytes, at most {}): expected {}", topic->size(), k_max_topic, k_topic.expected));
    } else {
      env.topic = *topic;
      if (!find_topic(*topic)) {
        r.problem(Problem::Level::warning, key,
                  fmt::format("unknown topic \"{}\": not in acx's catalog (AccuLynx may have added it)", *topic));
      }
    }
  }
  if (const std::string* time = r.string(k_time, key)) {
    std::string why;
    if (auto t = util::parse_rfc3339_utc(*time, &why)) {
      env.event_time = *t;
      env.event_time_text = *time;
    } else {
      r.problem(
          Problem::Level::error, key,
          fmt::format("not RFC 3339 UTC ({}): expected {}, got \"{}\"", why, k_time.expected, util::excerpt(*time)));
    }
  }
  for (const Field* field : {&k_event_id, &k_subscription}) {
    if (const std::string* id = r.string(*field, key)) {
      if (is_guid(*id)) {
        (field == &k_event_id ? env.event_id : env.subscription_id) = *id;
      } else {
        r.problem(Problem::Level::error, key,
                  fmt::format("not a GUID: expected {}, got \"{}\"", field->expected, util::excerpt(*id)));
      }
    }
  }
  if (const Json* event = r.find(k_event, key)) {
    if (event->is_object()) {
      env.event = std::move(root[key]); // root is ours: move the subtree instead of copying it
      key_of_event = key;
    } else {
      r.problem(Problem::Level::error, key, fmt::format("wrong type: expected an object, got {}", event->type_name()));
    }
  }

  if (!has_errors(out.problems)) {
    out.envelope = std::move(env);
    out.event_key = key_of_event;
    out.rest = std::move(root);
  }
  return out;
}

} // namespace acx::event
