#include "acx/forward/throttle.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::forward {

double parse_rate(const std::string& text, const std::string& where)
{
  const auto slash = text.find('/');
  const auto bad = [&] {
    return Error(ExitCode::usage,
                 fmt::format("{}: '{}' is not a rate: say 50/s, 600/m or 3600/h", where, util::excerpt(text)));
  };
  if (slash == std::string::npos || slash == 0) {
    throw bad();
  }
  double count = 0;
  try {
    std::size_t used = 0;
    count = std::stod(text.substr(0, slash), &used);
    if (used != slash) {
      throw bad();
    }
  } catch (const std::logic_error&) {
    throw bad();
  }
  const std::string unit = text.substr(slash + 1);
  const double seconds = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (seconds == 0 || !(count > 0) || !std::isfinite(count)) {
    throw bad();
  }
  return count / seconds;
}

Throttle::Throttle(ThrottleOptions options)
    : m_o(options), m_capacity(m_o.burst > 0 ? m_o.burst : std::max(1.0, std::ceil(m_o.rate))), m_tokens(m_capacity)
{
}

void Throttle::refill(Clock::time_point now) const
{
  if (m_filled != Clock::time_point{} && now > m_filled) {
    m_tokens = std::min(m_capacity, m_tokens + std::chrono::duration<double>(now - m_filled).count() * m_o.rate);
  }
  m_filled = std::max(m_filled, now);
}

Throttle::Circuit Throttle::circuit(Clock::time_point now) const
{
  return m_circuit == Circuit::open && now >= m_open_until ? Circuit::half_open : m_circuit;
}

std::optional<Throttle::Clock::time_point> Throttle::blocked_until(Clock::time_point now) const
{
  switch (circuit(now)) {
  case Circuit::open:
    return m_open_until;
  case Circuit::half_open:
    if (m_probing) {
      return Clock::time_point::max();
    }
    break;
  case Circuit::closed:
    break;
  }
  if (m_o.rate <= 0) {
    return std::nullopt;
  }
  refill(now);
  if (m_tokens >= 1) {
    return std::nullopt;
  }
  return now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>((1 - m_tokens) / m_o.rate));
}

void Throttle::start(Clock::time_point now)
{
  if (circuit(now) == Circuit::half_open) {
    m_circuit = Circuit::half_open;
    m_probing = true;
  }
  if (m_o.rate > 0) {
    refill(now);
    m_tokens -= 1;
  }
}

std::optional<Throttle::Circuit> Throttle::ended(bool reached, Clock::time_point now)
{
  const bool probe = m_probing;
  m_probing = false;
  if (reached) {
    m_failures = 0;
    if (m_circuit != Circuit::closed) {
      m_circuit = Circuit::closed;
      return Circuit::closed;
    }
    return std::nullopt;
  }
  ++m_failures;
  if (m_o.breaker_failures <= 0) {
    return std::nullopt;
  }
  if (probe || (m_circuit == Circuit::closed && m_failures >= m_o.breaker_failures)) {
    const bool was_closed = m_circuit == Circuit::closed;
    m_circuit = Circuit::open;
    m_open_until = now + m_o.cooldown;
    if (was_closed) {
      ++m_opened;
      return Circuit::open;
    }
  }
  return std::nullopt;
}

const char* circuit_name(Throttle::Circuit c)
{
  switch (c) {
  case Throttle::Circuit::closed:
    return "closed";
  case Throttle::Circuit::open:
    return "open";
  case Throttle::Circuit::half_open:
    return "half-open";
  }
  return "closed";
}

} // namespace acx::forward
