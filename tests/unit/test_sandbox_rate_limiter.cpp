#include <doctest/doctest.h>

#include "acx/sandbox/routes.hpp"

using acx::sandbox::RateLimiter;

TEST_CASE("acx::sandbox::RateLimiter: per key, per second, on the clock it is given")
{
  RateLimiter limit(3);
  for (int i = 0; i < 3; ++i) {
    CHECK(limit.allow("k1", 50));
  }
  CHECK_FALSE(limit.allow("k1", 50)); // the fourth in that second
  CHECK(limit.allow("k2", 50));       // another key has its own window
  CHECK(limit.allow("k1", 51));       // a new second
  CHECK(limit.allow("k1", 51));
  CHECK(limit.allow("k1", 51));
  CHECK_FALSE(limit.allow("k1", 51));
  CHECK(limit.allow("k1", 49)); // the clock going back is a new window, not a lock-out
}
