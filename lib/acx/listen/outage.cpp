#include "acx/listen/outage.hpp"

#include <fmt/format.h>

#include "acx/util/text.hpp"

namespace acx::listen {

Outage::Outage(util::Notify notify, Clock now) : m_notify(std::move(notify)), m_now(std::move(now)) {}

void Outage::refused(const std::string& why)
{
  const auto now = m_now();
  std::lock_guard lock(m_mutex);
  ++m_total;
  m_why = why;
  if (m_since) {
    ++m_held;
    return;
  }
  m_since = m_said = now;
  m_notify({util::Notice::Level::warning,
            fmt::format("cannot store deliveries: {}; answering 503 with Retry-After until the journal can be written "
                        "(nothing unstored is acknowledged: senders retry)",
                        why)});
}

void Outage::tick(const journal::Failure& failure)
{
  const auto now = m_now();
  std::lock_guard lock(m_mutex);
  if (!m_since) {
    return;
  }
  if (!failure) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - *m_since).count();
    m_notify({util::Notice::Level::info,
              fmt::format("the journal takes deliveries again after {} s; {} {} answered 503 meanwhile", seconds,
                          util::plural(m_total, "delivery", "deliveries"), m_total == 1 ? "was" : "were")});
    m_since.reset();
    m_held = m_total = 0;
    return;
  }
  if (m_held > 0 && now - m_said >= std::chrono::seconds(1)) {
    m_notify({util::Notice::Level::warning, fmt::format("{} more {} answered 503: {}", m_held,
                                                        m_held == 1 ? "delivery" : "deliveries", failure.what)});
    m_said = now;
    m_held = 0;
  }
}

} // namespace acx::listen
