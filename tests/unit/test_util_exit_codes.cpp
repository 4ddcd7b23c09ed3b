#include <doctest/doctest.h>

#include <algorithm>
#include <fmt/format.h>
#include <set>

#include "acx/util/error.hpp"
#include "acx/util/io.hpp"

TEST_CASE("acx::exit_codes: every code once, and README.md's table says the same")
{
  const std::string readme = acx::util::read_input(ACX_SOURCE_DIR "/README.md", 1u << 20);
  std::set<int> seen;
  for (const auto& c : acx::exit_codes()) {
    const int n = static_cast<int>(c.code);
    CHECK(seen.insert(n).second);
    const std::string row = fmt::format("| {} | {} |", n, c.meaning);
    CHECK_MESSAGE(readme.find(row) != std::string::npos, "README.md lacks the row: ", row);
  }
  CHECK(seen == std::set<int>{0, 1, 2, 3, 4, 5, 6, 70, 130, 143});
  // The table has no other rows.
  const auto table = readme.find("| code | meaning |");
  REQUIRE(table != std::string::npos);
  const auto end = readme.find("\n\n", table);
  const std::string rows = readme.substr(table, end - table);
  CHECK(static_cast<std::size_t>(std::count(rows.begin(), rows.end(), '\n')) == 1 + acx::exit_codes().size());
}
