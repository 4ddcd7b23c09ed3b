#include "acx/contract/learn.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>
#include <vector>

#include "acx/contract/contract.hpp"

namespace acx::contract {

using Json = nlohmann::ordered_json;

// What was seen at one place of the deliveries.
struct Learner::Node {
  std::uint64_t seen = 0;
  std::set<std::string> types;
  std::uint64_t strings = 0;
  std::map<std::string, std::uint64_t> formats; // format -> strings of it
  std::vector<std::string> values;              // distinct strings, while few
  bool many = false;
  std::uint64_t objects = 0;
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> members; // in the order first seen
  std::map<std::string, std::size_t> index;
  std::unique_ptr<Node> items;

  void add(const nlohmann::json& v, const LearnOptions& o)
  {
    ++seen;
    types.insert(std::string(json_type(v)));
    if (v.is_string()) {
      see_string(v.get_ref<const std::string&>(), o);
    } else if (v.is_object()) {
      ++objects;
      for (const auto& [key, sub] : v.items()) {
        auto [it, fresh] = index.try_emplace(key, members.size());
        if (fresh) {
          members.emplace_back(key, std::make_unique<Node>());
        }
        members[it->second].second->add(sub, o);
      }
    } else if (v.is_array()) {
      for (const auto& item : v) {
        (items ? items : items = std::make_unique<Node>())->add(item, o);
      }
    }
  }

  void see_string(const std::string& s, const LearnOptions& o)
  {
    ++strings;
    for (const char* f : {"uuid", "date-time", "uri"}) {
      if (conforms(f, s) && !(std::string_view(f) == "uri" && s.find("://") == std::string::npos)) {
        ++formats[f];
      }
    }
    if (!many && std::find(values.begin(), values.end(), s) == values.end()) {
      values.push_back(s);
      many = values.size() > o.max_enum;
    }
  }

  Json schema(const LearnOptions& o) const
  {
    Json s = Json::object();
    std::set<std::string> t = types;
    if (t.contains("integer") && t.contains("number")) {
      t.erase("integer");
    }
    s["type"] = t.size() == 1 ? Json(*t.begin()) : Json(std::vector<std::string>(t.begin(), t.end()));
    if (t.size() == 1 && *t.begin() == "string") {
      for (const auto& [format, n] : formats) {
        if (n == strings) {
          s["format"] = format;
          break;
        }
      }
      if (o.enums && !many && !s.contains("format") && values.size() < seen) {
        s["enum"] = values;
      }
    }
    if (objects > 0) {
      Json props = Json::object();
      Json required = Json::array();
      for (const auto& [key, node] : members) {
        props[key] = node->schema(o);
        if (node->seen == objects) {
          required.push_back(key);
        }
      }
      s["properties"] = std::move(props);
      s["required"] = std::move(required);
      s["additionalProperties"] = true;
    }
    if (items) {
      s["items"] = items->schema(o);
    }
    return s;
  }
};

Learner::Learner(LearnOptions options) : m_options(options) {}
Learner::~Learner() = default;
Learner::Learner(Learner&&) noexcept = default;
Learner& Learner::operator=(Learner&&) noexcept = default;

void Learner::add(const std::string& topic, const nlohmann::json& body)
{
  auto& node = m_topics[topic];
  if (!node) {
    node = std::make_unique<Node>();
  }
  node->add(body, m_options);
}

std::uint64_t Learner::count(const std::string& topic) const
{
  const auto it = m_topics.find(topic);
  return it == m_topics.end() ? 0 : it->second->seen;
}

SchemaSet Learner::schemas() const
{
  SchemaSet out;
  for (const auto& [topic, node] : m_topics) {
    Json s{{"$schema", k_dialect},
           {"title", fmt::format("AccuLynx {} delivery (learned)", topic)},
           {"description", fmt::format("Learned by acx schema learn from {} deliver{}. Members not listed are allowed "
                                       "(additionalProperties: true at every level).",
                                       node->seen, node->seen == 1 ? "y" : "ies")},
           {"x-acx-topic", topic}};
    s.update(node->schema(m_options));
    if (auto p = s.find("properties"); p != s.end() && p->contains("topicName")) {
      (*p)["topicName"]["const"] = topic; // what every delivery of it says
    }
    out.put(topic, std::move(s));
  }
  return out;
}

} // namespace acx::contract
