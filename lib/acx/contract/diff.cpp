#include "acx/contract/diff.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "acx/contract/shape.hpp"

namespace acx::contract {

namespace {

using What = Change::What;

std::string types_text(const std::vector<std::string>& types)
{
  return types.empty() ? "any" : fmt::format("{}", fmt::join(types, "|"));
}

// Whether every value of `after`'s types is one of `before`'s (an integer is a number).
bool types_within(const std::vector<std::string>& after, const std::vector<std::string>& before)
{
  if (before.empty()) {
    return true;
  }
  if (after.empty()) {
    return false;
  }
  return std::all_of(after.begin(), after.end(), [&](const std::string& t) {
    return std::find(before.begin(), before.end(), t) != before.end() ||
           (t == "integer" && std::find(before.begin(), before.end(), "number") != before.end());
  });
}

void compare(const std::string& topic, const Member& a, const Member& b, std::vector<Change>& out)
{
  if (a.types != b.types) {
    out.push_back({What::type, topic, a.path, types_text(a.types) + " -> " + types_text(b.types),
                   !types_within(b.types, a.types)});
  }
  if (a.required != b.required) {
    out.push_back({a.required ? What::optional : What::required, topic, a.path,
                   a.required ? "was required, now optional" : "was optional, now required", a.required});
  }
  if (a.format != b.format) {
    out.push_back({What::format, topic, a.path,
                   fmt::format("{} -> {}", a.format.empty() ? "none" : a.format, b.format.empty() ? "none" : b.format),
                   !a.format.empty()});
  }
  if (a.values != b.values) {
    const bool wider =
        !a.values.empty() && (b.values.empty() || std::any_of(b.values.begin(), b.values.end(), [&](const auto& v) {
                                return std::find(a.values.begin(), a.values.end(), v) == a.values.end();
                              }));
    out.push_back({What::values, topic, a.path,
                   b.values.empty() ? "any value now"
                                    : fmt::format("{} allowed values, were {}", b.values.size(), a.values.size()),
                   wider});
  }
}

} // namespace

std::string_view what_name(Change::What w)
{
  switch (w) {
  case What::topic_added:
    return "topic added";
  case What::topic_removed:
    return "topic removed";
  case What::added:
    return "added";
  case What::removed:
    return "removed";
  case What::type:
    return "type";
  case What::required:
    return "now required";
  case What::optional:
    return "now optional";
  case What::format:
    return "format";
  case What::values:
    return "values";
  }
  return "";
}

std::vector<Change> diff(const std::string& topic, const nlohmann::ordered_json& before,
                         const nlohmann::ordered_json& after)
{
  const auto a = members(before);
  const auto b = members(after);
  std::map<std::string, const Member*> in_b;
  for (const auto& m : b) {
    in_b[m.path] = &m;
  }
  std::vector<Change> out;
  for (const auto& m : a) {
    const auto it = in_b.find(m.path);
    if (it == in_b.end()) {
      out.push_back({What::removed, topic, m.path, m.required ? "was required" : "was optional", m.required});
    } else {
      compare(topic, m, *it->second, out);
      in_b.erase(it);
    }
  }
  for (const auto& m : b) {
    if (in_b.contains(m.path)) {
      out.push_back({What::added, topic, m.path, m.required ? "required" : "optional", false});
    }
  }
  return out;
}

std::vector<Change> diff(const SchemaSet& before, const SchemaSet& after)
{
  std::vector<Change> out;
  for (const auto& topic : before.topics()) {
    const auto* b = after.find(topic);
    if (!b) {
      out.push_back({What::topic_removed, topic, "", "no schema for it now", true});
      continue;
    }
    auto changes = diff(topic, *before.find(topic), *b);
    out.insert(out.end(), changes.begin(), changes.end());
  }
  for (const auto& topic : after.topics()) {
    if (!before.find(topic)) {
      out.push_back({What::topic_added, topic, "", "a schema for it now", false});
    }
  }
  return out;
}

} // namespace acx::contract
