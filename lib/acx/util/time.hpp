#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace acx::util {

// A point in time as Unix seconds plus 100-nanosecond ticks (the precision of .NET timestamps).
struct Instant {
  std::int64_t seconds = 0;
  std::int32_t ticks = 0; // 0 .. 9,999,999

  auto operator<=>(const Instant&) const = default;
};

// Parses RFC 3339 in UTC ("Z", "z" or "+00:00"), with 0 to 7 fractional digits.
// On failure returns nullopt and, when `why` is given, says what was wrong.
std::optional<Instant> parse_rfc3339_utc(std::string_view text, std::string* why = nullptr);

// Formats as RFC 3339 UTC with 7 fractional digits, the form AccuLynx sends.
std::string format_rfc3339(Instant t);
// Whole seconds: "2026-12-08T18:00:00Z", for times a person types back.
std::string format_rfc3339_seconds(std::int64_t unix_seconds);

// The current time.
Instant now();
std::int64_t now_unix();

// Parses a duration such as "300", "300s", "5m", "1h30m", "250ms", "1.5s"; a bare number is seconds.
// Returns nullopt on anything else (negative, empty, unknown unit, overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "5m", "90s", "1h2m3s", "30d", "250ms": the shortest form that parse_duration reads back.
std::string format_duration(std::chrono::milliseconds d);

} // namespace acx::util
