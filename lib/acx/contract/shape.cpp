#include "acx/contract/shape.hpp"

#include <algorithm>

#include "acx/contract/drift.hpp"

namespace acx::contract {

namespace {

using Json = nlohmann::ordered_json;

Member member_of(const Json& node, std::string path, bool required)
{
  Member m{std::move(path), {}, {}, required, {}, {}};
  if (!node.is_object()) {
    return m;
  }
  if (const auto t = node.find("type"); t != node.end()) {
    for (const auto& one : t->is_array() ? *t : Json::array({*t})) {
      if (one.is_string()) {
        m.types.push_back(one.get<std::string>());
      }
    }
  }
  if (const auto f = node.find("format"); f != node.end() && f->is_string()) {
    m.format = f->get<std::string>();
  }
  if (const auto e = node.find("enum"); e != node.end() && e->is_array()) {
    m.values.assign(e->begin(), e->end());
  } else if (const auto c = node.find("const"); c != node.end()) {
    m.values.push_back(*c);
  }
  if (const auto s = node.find("$comment"); s != node.end() && s->is_string()) {
    m.source = s->get<std::string>();
  }
  return m;
}

void collect(const Json& node, const std::string& path, std::vector<Member>& out)
{
  if (!node.is_object()) {
    return;
  }
  if (const auto props = node.find("properties"); props != node.end() && props->is_object()) {
    const auto req = node.find("required");
    for (const auto& [key, sub] : props->items()) {
      const bool required =
          req != node.end() && req->is_array() && std::find(req->begin(), req->end(), key) != req->end();
      const std::string at = member_path(path, key);
      out.push_back(member_of(sub, at, required));
      collect(sub, at, out);
    }
  }
  if (const auto items = node.find("items"); items != node.end() && items->is_object()) {
    const std::string at = items_path(path);
    out.push_back(member_of(*items, at, true));
    collect(*items, at, out);
  }
}

} // namespace

std::vector<Member> members(const nlohmann::ordered_json& schema)
{
  std::vector<Member> out;
  collect(schema, "", out);
  return out;
}

} // namespace acx::contract

namespace acx::contract {

namespace {

std::string object_shape(const nlohmann::ordered_json& node)
{
  const auto props = node.find("properties");
  if (props == node.end() || !props->is_object()) {
    return "{}";
  }
  const auto req = node.find("required");
  std::string out;
  for (const auto& [key, sub] : props->items()) {
    const bool required =
        req != node.end() && req->is_array() && std::find(req->begin(), req->end(), key) != req->end();
    out += (out.empty() ? "" : ", ") + key + (required ? "" : "?");
    if (sub.is_object() && sub.contains("properties")) {
      out += ": " + object_shape(sub);
    } else if (const auto items = sub.find("items");
               sub.is_object() && items != sub.end() && items->contains("properties")) {
      out += ": [" + object_shape(*items) + "]";
    }
  }
  return "{" + out + "}";
}

} // namespace

std::string event_shape(const nlohmann::ordered_json& schema)
{
  const auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object()) {
    return "";
  }
  for (const char* key : {"event", "Event"}) {
    if (const auto event = props->find(key); event != props->end()) {
      const std::string inner = object_shape(*event);
      // "job = {...}" for an event of one entity, as AccuLynx's pages write it; the object itself otherwise.
      const auto members = event->find("properties");
      if (members != event->end() && members->size() == 1 && members->begin()->contains("properties")) {
        return members->begin().key() + " = " + object_shape(*members->begin());
      }
      return inner;
    }
  }
  return "";
}

} // namespace acx::contract
