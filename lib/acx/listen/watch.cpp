#include "acx/listen/watch.hpp"

#include <fmt/format.h>

namespace acx::listen {

SubscriptionWatch::SubscriptionWatch(SubscriptionWatchOptions options, util::Notify notify)
    : m_options(std::move(options)), m_notify(std::move(notify))
{
}

SubscriptionWatch::~SubscriptionWatch()
{
  stop();
}

void SubscriptionWatch::start()
{
  m_thread = util::Thread("acx-watch", [this](std::stop_token stop) { run(stop); });
}

void SubscriptionWatch::stop()
{
  m_thread.request_stop();
  m_thread.join();
}

void SubscriptionWatch::run(std::stop_token stop)
{
  do {
    ask_once();
  } while (!util::pause(stop, m_options.every));
}

void SubscriptionWatch::ask_once()
{
  using Level = util::Notice::Level;
  for (const auto& id : m_options.ids) {
    std::string now;
    try {
      now = m_options.status(id);
    } catch (const std::exception& e) {
      m_notify({Level::warning, fmt::format("cannot tell how subscription {} is: {}", id, e.what())});
      continue;
    }
    std::string before;
    {
      std::lock_guard lock(m_mutex);
      before = m_status[id];
      m_status[id] = now;
    }
    if (now != before && now != "enabled") {
      m_notify({Level::warning, fmt::format("subscription {} is {}: AccuLynx sends nothing to it (acx reconcile "
                                            "finds what it did not send; acx subscribe makes a new one)",
                                            id, now)});
    } else if (now != before && !before.empty()) {
      m_notify({Level::info, fmt::format("subscription {} is enabled again", id)});
    }
  }
  std::lock_guard lock(m_mutex);
  ++m_turns;
}

std::map<std::string, std::string> SubscriptionWatch::not_enabled() const
{
  std::lock_guard lock(m_mutex);
  std::map<std::string, std::string> out;
  for (const auto& [id, status] : m_status) {
    if (status != "enabled") {
      out[id] = status;
    }
  }
  return out;
}

std::size_t SubscriptionWatch::turns() const
{
  std::lock_guard lock(m_mutex);
  return m_turns;
}

} // namespace acx::listen
