#include "acx/listen/refusal_log.hpp"

#include <fmt/format.h>
#include <vector>

#include "acx/util/text.hpp"

namespace acx::listen {

RefusalLog::RefusalLog(util::Notify notify, std::size_t per_second,
                       std::function<std::chrono::steady_clock::time_point()> now)
    : m_notify(std::move(notify)), m_now(std::move(now)), m_per_second(per_second), m_window(m_now())
{
}

void RefusalLog::note(const RefusedNote& n)
{
  const auto now = m_now();
  std::lock_guard lock(m_mutex);
  flush_locked(now, false);
  if (m_shown < m_per_second) {
    ++m_shown;
    m_notify({util::Notice::Level::info, fmt::format("refused a delivery from {}: {}: {}", n.remote,
                                                     refusal_name(n.reason), util::excerpt(n.detail, 500))});
  } else {
    ++m_held[n.reason];
  }
}

void RefusalLog::flush(bool all)
{
  std::lock_guard lock(m_mutex);
  flush_locked(m_now(), all);
}

void RefusalLog::flush_locked(std::chrono::steady_clock::time_point now, bool all)
{
  if (!all && now - m_window < std::chrono::seconds(1)) {
    return;
  }
  if (!m_held.empty()) {
    std::size_t total = 0;
    std::vector<std::string> parts;
    for (const auto& [reason, n] : m_held) {
      total += n;
      parts.push_back(fmt::format("{} {}", refusal_name(reason), n));
    }
    m_notify({util::Notice::Level::info, fmt::format("refused {} more deliver{} not shown one by one ({})", total,
                                                     total == 1 ? "y" : "ies", fmt::join(parts, ", "))});
    m_held.clear();
  }
  m_window = now;
  m_shown = 0;
}

} // namespace acx::listen
