#include "acx/inspect/json_diff.hpp"
#include "acx/event/json_text.hpp"

#include <nlohmann/json.hpp>

#include "acx/event/json_reader.hpp"

namespace acx::inspect {

namespace {

void walk(const nlohmann::json& j, const std::string& path, std::map<std::string, std::string>& out)
{
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      walk(*it, path + "." + it.key(), out);
    }
  } else if (j.is_array() && !j.empty()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      walk(j[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else {
    out[path] = event::json_text(j);
  }
}

} // namespace

std::map<std::string, std::string> flatten_json(std::string_view text)
{
  std::map<std::string, std::string> out;
  // Strict and bounded in depth (the journal keeps refused bodies too), and never ordered_json: linear-logarithmic.
  const auto doc = event::read_json(text);
  if (!doc.value) {
    out["$"] = std::string(text);
  } else {
    walk(*doc.value, "$", out);
  }
  return out;
}

std::vector<DiffRow> diff(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b,
                          bool same)
{
  std::vector<DiffRow> rows;
  auto ia = a.begin();
  auto ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      rows.push_back({ia->first, ia->second, "", DiffRow::Kind::removed});
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      rows.push_back({ib->first, "", ib->second, DiffRow::Kind::added});
      ++ib;
    } else {
      const bool equal = ia->second == ib->second;
      if (!equal || same) {
        rows.push_back({ia->first, ia->second, ib->second, equal ? DiffRow::Kind::same : DiffRow::Kind::changed});
      }
      ++ia;
      ++ib;
    }
  }
  return rows;
}

} // namespace acx::inspect
