#include "acx/util/time.hpp"

#include <cmath>
#include <fmt/format.h>

namespace acx::util {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d)
{
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m, d;
};

Civil civil_from_days(std::int64_t z)
{
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

unsigned days_in_month(std::int64_t y, unsigned m)
{
  static constexpr unsigned k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : k_days[m - 1];
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out)
{
  if (pos + n > s.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

std::optional<Instant> fail(std::string* why, const char* reason)
{
  if (why) {
    *why = reason;
  }
  return std::nullopt;
}

} // namespace

std::optional<Instant> parse_rfc3339_utc(std::string_view s, std::string* why)
{
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 5 || s[4] != '-' || !digits(s, 5, 2, mo) || s.size() < 8 || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return fail(why, "expected a date as YYYY-MM-DD");
  }
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't')) {
    return fail(why, "expected 'T' between date and time");
  }
  if (!digits(s, 11, 2, h) || s.size() < 14 || s[13] != ':' || !digits(s, 14, 2, mi) || s.size() < 17 || s[16] != ':' ||
      !digits(s, 17, 2, se)) {
    return fail(why, "expected a time as HH:MM:SS");
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) {
    return fail(why, "no such date");
  }
  if (h > 23 || mi > 59 || se > 60) {
    return fail(why, "no such time of day");
  }
  std::size_t pos = 19;
  std::int32_t ticks = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++n > 7) {
        return fail(why, "more than 7 fractional digits");
      }
      ticks = ticks * 10 + (s[pos] - '0');
      ++pos;
    }
    if (n == 0) {
      return fail(why, "expected digits after '.'");
    }
    for (; n < 7; ++n) {
      ticks *= 10;
    }
  }
  const std::string_view zone = s.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00" && zone != "-00:00") {
    return fail(why, zone.empty() ? "missing time zone: expected 'Z'" : "not UTC: expected 'Z'");
  }
  const std::int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + std::min(se, 59U);
  return Instant{secs, ticks};
}

std::string format_rfc3339_seconds(std::int64_t unix_seconds)
{
  std::string out = format_rfc3339({unix_seconds, 0});
  const auto dot = out.find('.');
  return dot == std::string::npos ? out : out.substr(0, dot) + "Z";
}

std::string format_rfc3339(Instant t)
{
  const std::int64_t days = t.seconds >= 0 ? t.seconds / 86400 : (t.seconds - 86399) / 86400;
  const std::int64_t rem = t.seconds - days * 86400;
  const Civil c = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z", c.y, c.m, c.d, rem / 3600, rem % 3600 / 60, rem % 60,
                     t.ticks);
}

Instant now()
{
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return Instant{ns / 1'000'000'000, static_cast<std::int32_t>(ns % 1'000'000'000 / 100)};
}

std::int64_t now_unix()
{
  return now().seconds;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s)
{
  if (s.empty()) {
    return std::nullopt;
  }
  double total_ms = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
      ++i;
    }
    if (i == start) {
      return std::nullopt;
    }
    double value = 0;
    try {
      std::size_t used = 0;
      value = std::stod(std::string(s.substr(start, i - start)), &used);
      if (used != i - start) {
        return std::nullopt;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
    const std::size_t ustart = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') {
      ++i;
    }
    const std::string_view unit = s.substr(ustart, i - ustart);
    double scale = 0;
    if (unit.empty() || unit == "s") {
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return std::nullopt;
    }
    if (unit.empty() && i != s.size()) {
      return std::nullopt;
    }
    total_ms += value * scale;
  }
  if (!std::isfinite(total_ms) || total_ms > 1e15) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(total_ms)));
}

std::string format_duration(std::chrono::milliseconds d)
{
  std::int64_t ms = d.count();
  if (ms % 1000 != 0) {
    return fmt::format("{}ms", ms);
  }
  std::int64_t s = ms / 1000;
  std::string out;
  if (s >= 86400) {
    out += fmt::format("{}d", s / 86400);
    s %= 86400;
  }
  if (s >= 3600) {
    out += fmt::format("{}h", s / 3600);
    s %= 3600;
  }
  if (s >= 60) {
    out += fmt::format("{}m", s / 60);
    s %= 60;
  }
  if (s > 0 || out.empty()) {
    out += fmt::format("{}s", s);
  }
  return out;
}

} // namespace acx::util
