#include "acx/contract/vary.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/contract/drift.hpp"
#include "acx/util/error.hpp"

namespace acx::contract {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* k_unknown = "acxUnknown";

// The first member that the schema does not require and `value` holds, depth first: its object and key.
bool find_optional(const Json& schema, Json& value, const std::string& path, Json*& parent, std::string& key,
                   std::string& where)
{
  if (!schema.is_object() || !value.is_object()) {
    return false;
  }
  const auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object()) {
    return false;
  }
  const auto req = schema.find("required");
  for (const auto& [name, sub] : props->items()) {
    if (!value.contains(name)) {
      continue;
    }
    const bool required =
        req != schema.end() && req->is_array() && std::find(req->begin(), req->end(), name) != req->end();
    if (!required) {
      parent = &value;
      key = name;
      where = member_path(path, name);
      return true;
    }
    if (find_optional(sub, value[name], member_path(path, name), parent, key, where)) {
      return true;
    }
  }
  return false;
}

void reverse_members(Json& v)
{
  if (v.is_object()) {
    Json reversed = Json::object();
    std::vector<std::string> keys;
    for (const auto& [k, _] : v.items()) {
      keys.push_back(k);
    }
    for (auto k = keys.rbegin(); k != keys.rend(); ++k) {
      reverse_members(v[*k]);
      reversed[*k] = std::move(v[*k]);
    }
    v = std::move(reversed);
  } else if (v.is_array()) {
    for (auto& item : v) {
      reverse_members(item);
    }
  }
}

std::string add_unknown(Json& envelope)
{
  std::vector<std::string> where{member_path("", k_unknown)};
  Json probe{{"note", "a member acx check added: AccuLynx may add fields"}, {"n", 1}};
  for (auto& [key, value] : envelope.items()) {
    if (!value.is_object()) {
      continue;
    }
    for (auto& [inner, entity] : value.items()) { // the event's entities: job, contact, customField
      if (entity.is_object()) {
        entity[k_unknown] = probe;
        where.push_back(member_path(member_path("", key), inner) + "." + k_unknown);
      }
    }
    value[k_unknown] = probe;
    where.push_back(member_path(member_path("", key), k_unknown));
  }
  envelope[k_unknown] = probe;
  return fmt::format("added {}", fmt::join(where, ", "));
}

} // namespace

std::string_view variation_name(Variation v)
{
  switch (v) {
  case Variation::unknown_member:
    return "unknown-member";
  case Variation::null_optional:
    return "null-optional";
  case Variation::absent_optional:
    return "absent-optional";
  case Variation::reordered:
    return "reordered";
  }
  return "";
}

const std::vector<Variation>& variations()
{
  static const std::vector<Variation> all{Variation::unknown_member, Variation::null_optional,
                                          Variation::absent_optional, Variation::reordered};
  return all;
}

std::optional<Variation> parse_variation(std::string_view name)
{
  for (const Variation v : variations()) {
    if (variation_name(v) == name) {
      return v;
    }
  }
  return std::nullopt;
}

std::string vary(nlohmann::ordered_json& envelope, std::string_view topic, Variation v, const SchemaSet& set)
{
  if (v == Variation::unknown_member) {
    return add_unknown(envelope);
  }
  if (v == Variation::reordered) {
    reverse_members(envelope);
    return "every object's members in reverse order";
  }
  const auto* schema = set.find(topic);
  Json* parent = nullptr;
  std::string key, where;
  if (!schema || !find_optional(*schema, envelope, "", parent, key, where)) {
    throw Error(ExitCode::usage, fmt::format("--drift {}: the schema of {} has no optional member this event holds "
                                             "(job_created has one: jobNumber)",
                                             variation_name(v), topic));
  }
  if (v == Variation::null_optional) {
    (*parent)[key] = nullptr;
    return "set " + where + " to null";
  }
  parent->erase(key);
  return "left out " + where;
}

} // namespace acx::contract
