#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace acx::forward {

// How fast a consumer may be called, and when to stop calling it: a token bucket (`rate`, `burst`), and a circuit
// breaker that opens after `breaker_failures` failed attempts in a row, lets one attempt through after `cooldown`
// (half-open), and closes when that one succeeds.
struct ThrottleOptions {
  double rate = 0;           // attempts a second; 0: no limit
  double burst = 0;          // attempts at once after a quiet spell; 0: the rate's count per second (at least 1)
  int breaker_failures = 20; // 0: no breaker
  std::chrono::milliseconds cooldown{30'000};
};

// "50/s", "600/m", "3600/h": attempts a second. Throws acx::Error (usage) naming `where`.
double parse_rate(const std::string& text, const std::string& where);

// A consumer's throttle. The forwarder holds its lock around every call; time is given, never read.
class Throttle {
public:
  using Clock = std::chrono::steady_clock;
  enum class Circuit { closed, open, half_open };

  explicit Throttle(ThrottleOptions options = {});
  // nullopt: an attempt may start now; else when to look again (Clock::time_point::max(): when an attempt ends, the
  // half-open one in flight).
  std::optional<Clock::time_point> blocked_until(Clock::time_point now) const;
  // An attempt starts: it takes a token; a half-open circuit lets no other through until it ends.
  void start(Clock::time_point now);
  // The attempt ended: `reached` when the consumer answered (any 2xx or 4xx, a command's exit 0); a failure counts
  // toward opening. Returns the circuit's new state when it opened (from closed) or closed (from open/half-open).
  std::optional<Circuit> ended(bool reached, Clock::time_point now);
  Circuit circuit(Clock::time_point now) const;
  std::uint64_t opened() const { return m_opened; } // times the circuit opened from closed
  const ThrottleOptions& options() const { return m_o; }

private:
  void refill(Clock::time_point now) const;
  ThrottleOptions m_o;
  double m_capacity;
  mutable double m_tokens;
  mutable Clock::time_point m_filled{};
  int m_failures = 0;
  Circuit m_circuit = Circuit::closed;
  Clock::time_point m_open_until{};
  bool m_probing = false;
  std::uint64_t m_opened = 0;
};

// "closed", "open", "half-open".
const char* circuit_name(Throttle::Circuit c);

} // namespace acx::forward
