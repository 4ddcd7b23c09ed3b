#include <doctest/doctest.h>

#include "acx/listen/refusal_log.hpp"

using namespace acx;
using Clock = std::chrono::steady_clock;

TEST_CASE("acx::listen::RefusalLog: a few a second one by one, the rest summarised once a second")
{
  std::vector<std::string> lines;
  Clock::time_point now{std::chrono::seconds(10)}; // moved by the test only
  listen::RefusalLog log([&](const util::Notice& n) { lines.push_back(n.text); }, 2, [&] { return now; });
  const listen::RefusedNote note{"10.0.0.1:5", listen::Refusal::mismatch, "the token does not match"};
  for (int i = 0; i < 5; ++i) {
    log.note(note);
  }
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "refused a delivery from 10.0.0.1:5: mismatch: the token does not match");
  log.flush(); // the second has not ended: nothing yet
  CHECK(lines.size() == 2);
  now += std::chrono::milliseconds(1'000);
  log.flush();
  REQUIRE(lines.size() == 3);
  CHECK(lines[2] == "refused 3 more deliveries not shown one by one (mismatch 3)");
  log.note({"10.0.0.2:5", listen::Refusal::invalid, "not JSON"}); // a new second: shown again
  REQUIRE(lines.size() == 4);
  CHECK(lines[3].starts_with("refused a delivery from 10.0.0.2:5: invalid"));
  log.flush(true);
  CHECK(lines.size() == 4); // nothing was held back
}
