#include "acx/http/watchdog.hpp"
#include "acx/util/thread.hpp"

namespace acx::http::detail {

Watchdog::Watchdog()
{
  m_thread = util::Thread("acx-watchdog", [this](std::stop_token stop) { loop(stop); });
}

Watchdog::~Watchdog()
{
  m_thread.request_stop();
  m_thread.join();
  for (auto& [id, e] : m_entries) {
    if (e.running.joinable()) {
      e.running.join();
    }
  }
}

Watchdog& Watchdog::shared()
{
  static Watchdog* instance = new Watchdog; // never destroyed: a client may still be in use while statics end
  return *instance;
}

Watchdog::Id Watchdog::arm(Clock::time_point when, std::function<void()> action, std::function<bool()> overrun)
{
  std::lock_guard lock(m_mutex);
  const Id id = m_next++;
  m_entries.emplace(id, Entry{when, std::move(action), std::move(overrun), {}});
  m_cv.notify_all();
  return id;
}

void Watchdog::expire(Id id)
{
  std::lock_guard lock(m_mutex);
  if (auto it = m_entries.find(id); it != m_entries.end()) {
    it->second.when = Clock::time_point::min();
    m_cv.notify_all();
  }
}

bool Watchdog::disarm(Id id)
{
  util::Thread running;
  {
    std::lock_guard lock(m_mutex);
    const auto it = m_entries.find(id);
    if (it == m_entries.end()) {
      return false;
    }
    running = std::move(it->second.running);
    m_entries.erase(it);
  }
  const bool ran = running.joinable();
  if (ran) {
    running.join();
  }
  return ran;
}

void Watchdog::loop(std::stop_token stop)
{
  // A stop request wakes the wait below (under the mutex: never between the check and the wait).
  const std::stop_callback wake(stop, [this] {
    std::lock_guard locked(m_mutex);
    m_cv.notify_all();
  });
  std::unique_lock lock(m_mutex);
  while (!stop.stop_requested()) {
    auto next = Clock::time_point::max();
    const auto now = Clock::now();
    for (auto& [id, e] : m_entries) {
      if (e.running.joinable()) {
        continue; // fired already
      }
      if (e.when <= now || (e.overrun && e.overrun())) {
        e.running = util::Thread("acx-cut-off", e.action);
      } else {
        next = std::min(next, e.overrun ? now + std::chrono::milliseconds(10) : e.when);
      }
    }
    if (next == Clock::time_point::max()) {
      m_cv.wait(lock);
    } else {
      m_cv.wait_until(lock, next);
    }
  }
}

} // namespace acx::http::detail
