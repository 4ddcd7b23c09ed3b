#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "acx/listen/outage.hpp"

using namespace std::chrono_literals;

TEST_CASE("acx::listen::Outage: one warning, then at most a line a second, then one when the journal recovers")
{
  std::vector<std::string> lines;
  auto now = std::chrono::steady_clock::time_point{};
  acx::listen::Outage outage([&](const acx::util::Notice& n) { lines.push_back(n.text); }, [&] { return now; });

  outage.tick({});
  CHECK(lines.empty()); // nothing wrong, nothing said

  for (int i = 0; i < 500; ++i) {
    outage.refused("cannot write the journal: database or disk is full");
  }
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("cannot store deliveries: cannot write the journal: database or disk is full") == 0);
  CHECK(lines[0].find("503 with Retry-After") != std::string::npos);

  now += 500ms;
  outage.tick({acx::journal::Fault::full, "database or disk is full"});
  CHECK(lines.size() == 1); // within the same second: held

  now += 600ms;
  outage.tick({acx::journal::Fault::full, "database or disk is full"});
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "499 more deliveries answered 503: database or disk is full");

  now += 5s;
  outage.tick({acx::journal::Fault::full, "database or disk is full"});
  CHECK(lines.size() == 2); // no 503 since: nothing to say

  outage.refused("cannot write the journal: attempt to write a readonly database");
  now += 2s;
  outage.tick({});
  REQUIRE(lines.size() == 3);
  CHECK(lines[2] == "the journal takes deliveries again after 8 s; 501 deliveries were answered 503 meanwhile");

  outage.refused("again");
  REQUIRE(lines.size() == 4); // a new outage: a new first warning
  CHECK(lines[3].find("cannot store deliveries: again") == 0);

  // One, in the singular.
  outage.refused("again");
  now += 2s;
  outage.tick({acx::journal::Fault::full, "again"});
  REQUIRE(lines.size() == 5);
  CHECK(lines[4] == "1 more delivery answered 503: again");
  now += 2s;
  outage.tick({});
  REQUIRE(lines.size() == 6);
  CHECK(lines[5] == "the journal takes deliveries again after 4 s; 2 deliveries were answered 503 meanwhile");
}
