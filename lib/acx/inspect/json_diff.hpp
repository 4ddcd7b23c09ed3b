#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace acx::inspect {

// Every leaf of a JSON document by its path ("$.event.job.milestone.name", "$.items[2]"), its value as JSON text;
// a body that is not JSON is one leaf, "$", holding the text.
std::map<std::string, std::string> flatten_json(std::string_view text);

struct DiffRow {
  enum class Kind { same, changed, added, removed };
  std::string path;
  std::string a;
  std::string b;
  Kind kind = Kind::same;
};

// Row by row, in path order: what `b` changed, added or removed from `a` (and, with `same`, what it kept).
std::vector<DiffRow> diff(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b,
                          bool same = false);

} // namespace acx::inspect
