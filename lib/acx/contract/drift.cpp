#include "acx/contract/drift.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/json_reader.hpp"

namespace acx::contract {

std::string_view kind_name(Kind k)
{
  switch (k) {
  case Kind::added:
    return "added";
  case Kind::missing:
    return "missing";
  case Kind::type:
    return "type";
  case Kind::format:
    return "format";
  case Kind::value:
    return "value";
  case Kind::topic:
    return "topic";
  case Kind::more:
    return "more";
  }
  return "value";
}

const std::vector<Kind>& kinds()
{
  static const std::vector<Kind> all{Kind::added, Kind::missing, Kind::type, Kind::format,
                                     Kind::value, Kind::topic,   Kind::more};
  return all;
}

std::string member_path(std::string_view parent, std::string_view key)
{
  const bool identifier = !key.empty() && (std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_') &&
                          std::all_of(key.begin(), key.end(),
                                      [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  if (identifier) {
    return fmt::format("{}.{}", parent, key);
  }
  return fmt::format("{}[{}]", parent.empty() ? "." : parent,
                     nlohmann::json(std::string(key)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string items_path(std::string_view parent)
{
  return std::string(parent) + "[]";
}

std::string drift_text(const Drift& drift)
{
  if (drift.empty()) {
    return "";
  }
  auto out = nlohmann::ordered_json::array();
  for (const auto& d : drift) {
    out.push_back({{"kind", kind_name(d.kind)}, {"path", d.path}, {"detail", d.detail}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Drift parse_drift(std::string_view text)
{
  Drift out;
  const auto j = text.empty() ? nlohmann::json() : event::parse_untrusted(text);
  if (!j.is_array()) {
    return out;
  }
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("kind") || !e["kind"].is_string() || !e.contains("path") ||
        !e["path"].is_string()) {
      continue;
    }
    const std::string kind = e["kind"].get<std::string>();
    const auto k = std::find_if(kinds().begin(), kinds().end(), [&](Kind x) { return kind_name(x) == kind; });
    if (k == kinds().end()) {
      continue;
    }
    out.push_back({*k, e["path"].get<std::string>(),
                   e.contains("detail") && e["detail"].is_string() ? e["detail"].get<std::string>() : ""});
  }
  return out;
}

std::string describe(const Deviation& d)
{
  const std::string path = d.path.empty() ? "." : d.path;
  return d.detail.empty() ? fmt::format("{}: {}", path, kind_name(d.kind))
                          : fmt::format("{}: {} ({})", path, kind_name(d.kind), d.detail);
}

} // namespace acx::contract
