#include <doctest/doctest.h>

#include "acx/util/time.hpp"
TEST_CASE("placeholder") { CHECK(acx::util::parse_duration("5m")->count() == 300000); }
