#include <doctest/doctest.h>

#include "acx/util/time.hpp"

using namespace acx::util;
using namespace std::chrono_literals;

TEST_CASE("acx::util::parse_rfc3339_utc")
{
  SUBCASE("seven fractional digits, as AccuLynx sends")
  {
    auto t = parse_rfc3339_utc("2026-05-26T14:23:55.4999782Z");
    REQUIRE(t);
    CHECK(t->seconds == 1779805435);
    CHECK(t->ticks == 4999782);
  }
  SUBCASE("no fraction, +00:00, lower-case separators")
  {
    CHECK(parse_rfc3339_utc("1970-01-01T00:00:00Z")->seconds == 0);
    CHECK(parse_rfc3339_utc("2023-07-11T22:38:57+00:00")->seconds == 1689115137);
    CHECK(parse_rfc3339_utc("2023-07-11t22:38:57.1z")->ticks == 1000000);
  }
  SUBCASE("leap day")
  {
    CHECK(parse_rfc3339_utc("2024-02-29T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339_utc("2023-02-29T00:00:00Z"));
  }
  SUBCASE("what is wrong is said")
  {
    std::string why;
    CHECK_FALSE(parse_rfc3339_utc("2026-05-26T14:23:55.12345678Z", &why));
    CHECK(why == "more than 7 fractional digits");
    CHECK_FALSE(parse_rfc3339_utc("2026-05-26T14:23:55+02:00", &why));
    CHECK(why == "not UTC: expected 'Z'");
    CHECK_FALSE(parse_rfc3339_utc("2026-05-26T14:23:55", &why));
    CHECK(why == "missing time zone: expected 'Z'");
    CHECK_FALSE(parse_rfc3339_utc("2026-13-26T14:23:55Z", &why));
    CHECK(why == "no such date");
    CHECK_FALSE(parse_rfc3339_utc("2026-05-26 14:23:55Z", &why));
    CHECK(why == "expected 'T' between date and time");
    CHECK_FALSE(parse_rfc3339_utc("2026-05-26T24:00:00Z", &why));
    CHECK(why == "no such time of day");
    CHECK_FALSE(parse_rfc3339_utc("2026-05-26T14:23:55.Z", &why));
    CHECK(why == "expected digits after '.'");
    CHECK_FALSE(parse_rfc3339_utc("", &why));
    CHECK(why == "expected a date as YYYY-MM-DD");
    CHECK_FALSE(parse_rfc3339_utc("26-05-2026", &why));
  }
}

TEST_CASE("acx::util::format_rfc3339")
{
  CHECK(format_rfc3339({1779805435, 4999782}) == "2026-05-26T14:23:55.4999782Z");
  CHECK(format_rfc3339({0, 0}) == "1970-01-01T00:00:00.0000000Z");
  const Instant n = now();
  CHECK(parse_rfc3339_utc(format_rfc3339(n)) == n);
}

TEST_CASE("acx::util::parse_duration")
{
  CHECK(parse_duration("300") == 300s);
  CHECK(parse_duration("300s") == 300s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h30m") == 90min);
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("0") == 0s);
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("-5s"));
  CHECK_FALSE(parse_duration("5x"));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("5 m"));
  CHECK_FALSE(parse_duration("1e999"));
  CHECK_FALSE(parse_duration("99999999999999999999h"));
  CHECK(format_duration(90min) == "1h30m");
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(0ms) == "0s");
  CHECK(format_duration(std::chrono::hours(24 * 30)) == "30d");
  CHECK(format_duration(std::chrono::hours(36)) == "1d12h");
  CHECK(format_duration(20s) == "20s");
}
