#include <doctest/doctest.h>

#include "acx/forward/throttle.hpp"
#include "acx/util/error.hpp"

using acx::forward::Throttle;
using acx::forward::ThrottleOptions;
using Circuit = Throttle::Circuit;
using namespace std::chrono_literals;

TEST_CASE("forward::parse_rate: per second, minute, hour, and anything else is a usage error naming the flag")
{
  CHECK(acx::forward::parse_rate("50/s", "--forward-rate") == 50);
  CHECK(acx::forward::parse_rate("600/m", "--forward-rate") == 10);
  CHECK(acx::forward::parse_rate("1800/h", "--forward-rate") == 0.5);
  for (const char* bad : {"50", "/s", "x/s", "5/d", "0/s", "-1/s", "5s/s", "nan/s"}) {
    INFO(bad);
    CHECK_THROWS_WITH_AS(acx::forward::parse_rate(bad, "--forward-rate"), doctest::Contains("--forward-rate"),
                         acx::Error);
  }
}

TEST_CASE("forward::Throttle: a token bucket: a burst of the rate's count, then one every 1/rate")
{
  ThrottleOptions o;
  o.rate = 20;
  Throttle t(o);
  const auto t0 = Throttle::Clock::time_point{} + 1h;
  for (int i = 0; i < 20; ++i) {
    REQUIRE_FALSE(t.blocked_until(t0).has_value());
    t.start(t0);
  }
  const auto next = t.blocked_until(t0);
  REQUIRE(next.has_value());
  CHECK(*next - t0 == std::chrono::duration_cast<Throttle::Clock::duration>(50ms));
  CHECK_FALSE(t.blocked_until(t0 + 50ms).has_value());
  t.start(t0 + 50ms);
  CHECK(t.blocked_until(t0 + 60ms).has_value());
}

TEST_CASE("forward::Throttle: the breaker opens after N failures in a row, lets one probe through, closes on success")
{
  ThrottleOptions o;
  o.breaker_failures = 3;
  o.cooldown = 10s;
  Throttle t(o);
  const auto t0 = Throttle::Clock::time_point{} + 1h;
  t.start(t0);
  CHECK_FALSE(t.ended(false, t0).has_value());
  t.start(t0);
  CHECK_FALSE(t.ended(true, t0).has_value()); // a success in between: the count starts again
  for (int i = 0; i < 2; ++i) {
    t.start(t0);
    CHECK_FALSE(t.ended(false, t0).has_value());
  }
  t.start(t0);
  CHECK(t.ended(false, t0) == Circuit::open);
  CHECK(t.opened() == 1);
  CHECK(t.blocked_until(t0 + 1s) == t0 + 10s);
  CHECK(t.circuit(t0 + 10s) == Circuit::half_open);
  CHECK_FALSE(t.blocked_until(t0 + 10s).has_value()); // one probe
  t.start(t0 + 10s);
  CHECK(t.blocked_until(t0 + 10s) == Throttle::Clock::time_point::max()); // no second while it is out
  CHECK_FALSE(t.ended(false, t0 + 11s).has_value());                      // failed: open again, not said again
  CHECK(t.blocked_until(t0 + 12s) == t0 + 21s);
  t.start(t0 + 21s);
  CHECK(t.ended(true, t0 + 21s) == Circuit::closed);
  CHECK_FALSE(t.blocked_until(t0 + 21s).has_value());
  CHECK(t.opened() == 1);
}

TEST_CASE("forward::Throttle: breaker_failures 0 never opens")
{
  ThrottleOptions o;
  o.breaker_failures = 0;
  Throttle t(o);
  const auto t0 = Throttle::Clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i) {
    t.start(t0);
    CHECK_FALSE(t.ended(false, t0).has_value());
  }
  CHECK(t.circuit(t0) == Circuit::closed);
}
