#include "acx/forward/schedule.hpp"

#include <algorithm>

#include "acx/forward/consumer.hpp"

namespace acx::forward {

void Schedule::add(RecordPtr record, Clock::time_point due, int attempt)
{
  m_pending.emplace(record->seq, record->received);
  const std::string key = ordering_key(*record);
  Lane& lane = m_lanes[key];
  const auto place = place_in(lane, *record);
  lane.items.insert(place, {std::move(record), attempt});
  if (lane.items.size() == 1 && !lane.busy) {
    m_due.emplace(due, key);
  }
}

std::deque<Schedule::Item>::iterator Schedule::place_in(Lane& lane, const journal::Record& r)
{
  if (!journal::reconciled(r)) {
    return lane.items.end(); // journal order
  }
  // A rebuilt event (acx reconcile --repair) goes before the waiting events of its subject that happened after it: the
  // app sees the job's changes in the order of its history. Not before one being handed over.
  const auto at = util::parse_rfc3339_utc(r.event_time);
  auto it = lane.items.begin() + (lane.busy && !lane.items.empty() ? 1 : 0);
  for (; at && it != lane.items.end(); ++it) {
    const auto other = util::parse_rfc3339_utc(it->record->event_time);
    if (other && *at < *other) {
      break;
    }
  }
  return it;
}

std::optional<Schedule::Taken> Schedule::take(Clock::time_point now)
{
  if (m_due.empty() || m_due.begin()->first > now) {
    return std::nullopt;
  }
  std::string key = m_due.begin()->second;
  m_due.erase(m_due.begin());
  Lane& lane = m_lanes[key];
  lane.busy = true;
  return Taken{std::move(key), lane.items.front()};
}

std::optional<Schedule::Clock::time_point> Schedule::next_due() const
{
  if (m_due.empty()) {
    return std::nullopt;
  }
  return m_due.begin()->first;
}

void Schedule::finished(const std::string& key, Clock::time_point now)
{
  Lane& lane = m_lanes[key];
  lane.busy = false;
  m_pending.erase(lane.items.front().record->seq);
  lane.items.pop_front();
  if (lane.items.empty()) {
    m_lanes.erase(key);
  } else {
    m_due.emplace(now, key);
  }
}

void Schedule::retry(const std::string& key, Clock::time_point at)
{
  Lane& lane = m_lanes[key];
  lane.busy = false;
  lane.items.front().attempt++;
  m_due.emplace(at, key);
}

bool Schedule::hurry(std::int64_t seq, Clock::time_point now)
{
  if (!m_pending.contains(seq)) {
    return false;
  }
  for (auto it = m_due.begin(); it != m_due.end(); ++it) {
    const auto& items = m_lanes[it->second].items;
    const bool here = std::any_of(items.begin(), items.end(), [seq](const Item& i) { return i.record->seq == seq; });
    if (here) {
      if (it->first > now) {
        std::string key = it->second;
        m_due.erase(it);
        m_due.emplace(now, std::move(key));
      }
      return true;
    }
  }
  return false;
}

void Schedule::hurry_all(Clock::time_point now)
{
  std::multimap<Clock::time_point, std::string> due;
  for (auto& [at, key] : m_due) {
    due.emplace(std::min(at, now), std::move(key));
  }
  m_due = std::move(due);
}

std::int64_t Schedule::watermark(std::int64_t last_read) const
{
  return m_pending.empty() ? last_read : m_pending.begin()->first - 1;
}

std::optional<util::Instant> Schedule::oldest_received() const
{
  if (m_pending.empty()) {
    return std::nullopt;
  }
  return m_pending.begin()->second;
}

} // namespace acx::forward
