#include "acx/event/edit.hpp"
#include "acx/event/facts.hpp"
#include "acx/event/json_text.hpp"

#include "acx/event/fixtures.hpp"

#include <fmt/format.h>

#include "acx/util/crypto.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::event {

EditableJson parse_editable(std::string_view text, const std::string& origin)
{
  auto doc = EditableJson::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    throw Error(ExitCode::bad_input, fmt::format("{} is not JSON", origin));
  }
  if (!doc.is_object()) {
    throw Error(ExitCode::bad_input, fmt::format("{} is not an envelope: expected a JSON object", origin));
  }
  return doc;
}

void set_member(EditableJson& envelope, std::string_view key, EditableJson value)
{
  if (EditableJson* found = member(envelope, key)) {
    *found = std::move(value);
    return;
  }
  envelope[std::string(key)] = std::move(value);
}

void apply_assignment(EditableJson& envelope, std::string_view assignment)
{
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw Error(ExitCode::usage, fmt::format("--set '{}': expected PATH=VALUE, e.g. event.job.milestone.name=Approved",
                                             util::excerpt(assignment)));
  }
  const std::string_view path = assignment.substr(0, eq);
  const std::string_view text = assignment.substr(eq + 1);
  EditableJson value = EditableJson::parse(text, nullptr, false);
  if (value.is_discarded()) {
    value = std::string(text);
  }
  EditableJson* node = &envelope;
  const auto segments = util::split(path, '.');
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string key(segments[i]);
    if (key.empty()) {
      throw Error(ExitCode::usage, fmt::format("--set '{}': empty path segment", util::excerpt(path)));
    }
    const bool last = i + 1 == segments.size();
    if (node->is_array() && key.find_first_not_of("0123456789") == std::string::npos) {
      const std::size_t index = std::stoul(key);
      if (index >= node->size()) {
        throw Error(ExitCode::usage, fmt::format("--set '{}': index {} is past the end of an array of {}",
                                                 util::excerpt(path), index, node->size()));
      }
      node = &(*node)[index];
    } else if (node->is_object()) {
      // Existing keys match case-insensitively, so event.job finds event.Job.
      EditableJson* found = member(*node, key);
      if (!found) {
        found = &(*node)[key];
        if (!last) {
          *found = EditableJson::object();
        }
      }
      node = found;
    } else {
      throw Error(ExitCode::usage, fmt::format("--set '{}': '{}' is inside a {}, not an object", util::excerpt(path),
                                               key, node->type_name()));
    }
  }
  *node = std::move(value);
}

void freshen(EditableJson& envelope, util::Instant now)
{
  set_member(envelope, "eventId", util::new_guid());
  set_member(envelope, "eventDateTime", util::format_rfc3339(now));
}

FixtureEvent fixture_event(const std::string& topic, util::Instant now, const std::optional<std::string>& subscription,
                           const std::vector<std::string>& assignments)
{
  const auto fixture = find_fixture(topic);
  if (!fixture) {
    throw Error(ExitCode::usage, fmt::format("no fixture for topic '{}'", util::excerpt(topic)));
  }
  auto doc = parse_editable(*fixture, "fixture " + topic);
  freshen(doc, now);
  if (subscription) {
    set_member(doc, "subscriptionId", *subscription);
  }
  for (const auto& a : assignments) {
    apply_assignment(doc, a);
  }
  FixtureEvent out;
  if (const EditableJson* id = member(doc, "eventId"); id && id->is_string()) {
    out.event_id = id->get<std::string>();
  }
  out.body = serialize(doc, Layout::compact);
  return out;
}

std::string serialize(const EditableJson& envelope, Layout layout)
{
  return layout == Layout::indented ? json_text(envelope, 2) + "\n" : json_text(envelope);
}

} // namespace acx::event
