#include "acx/listen/watch.hpp"

#include <fmt/format.h>

namespace acx::listen {

SubscriptionWatch::SubscriptionWatch(SubscriptionWatchOptions options, util::Notify notify)
    : m_options(std::move(options)), m_notify(std::move(notify)),
      m_periodic("acx-watch", m_options.every, [this](std::stop_token) { ask_once(); })
{
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

Canary::Canary(CanaryOptions options, const journal::Writer& writer, util::Notify notify)
    : m_options(std::move(options)), m_writer(writer), m_notify(std::move(notify)),
      m_periodic("acx-canary", m_options.every, [this](std::stop_token stop) { turn(stop); })
{
}

void Canary::turn(std::stop_token stop)
{
  const auto seconds = one(stop);
  if (stop.stop_requested()) {
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    if (seconds) {
      m_last = seconds;
    } else {
      ++m_lost;
    }
  }
  if (!seconds) {
    m_notify({util::Notice::Level::warning,
              fmt::format("canary: the test event asked for {} ago has not arrived: AccuLynx may not be sending",
                          util::format_duration(m_options.every))});
  }
}

std::optional<double> Canary::one(std::stop_token stop)
{
  std::int64_t seen = m_writer.committed_seq();
  const auto asked = std::chrono::steady_clock::now();
  std::string id;
  try {
    id = m_options.ask();
  } catch (const std::exception& e) {
    m_notify({util::Notice::Level::warning, fmt::format("canary: cannot ask for a test event: {}", e.what())});
    return std::nullopt;
  }
  const auto deadline = asked + m_options.every;
  while (!stop.stop_requested() && std::chrono::steady_clock::now() < deadline) {
    const auto next = m_writer.wait_beyond(seen, std::chrono::milliseconds(200));
    if (next <= seen) {
      continue;
    }
    const auto records = m_writer.recent_after(seen, 10'000);
    seen = next;
    for (const auto& r : records ? *records : std::vector<std::shared_ptr<const journal::Record>>{}) {
      if (id.empty() ? r->topic == m_options.topic : r->event_id == id) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
      }
    }
  }
  return std::nullopt;
}

std::optional<double> Canary::last_seconds() const
{
  std::lock_guard lock(m_mutex);
  return m_last;
}

std::size_t Canary::lost() const
{
  std::lock_guard lock(m_mutex);
  return m_lost;
}

} // namespace acx::listen
