#include "acx/sandbox/queue.hpp"

#include <algorithm>
#include <limits>

namespace acx::sandbox {

Queue::Queue(bool chaos, std::uint64_t seed, std::chrono::seconds hold_limit)
    : m_chaos(chaos), m_hold_limit(hold_limit), m_random(seed)
{
}

bool Queue::ready(const Job& job, Clock::time_point now) const
{
  return m_release_all || job.after_seq <= m_done_seq || now >= job.held_until;
}

void Queue::maybe_hold(Job& job, Clock::time_point now)
{
  if (m_chaos && m_random() % 3 == 0) {
    job.after_seq = job.seq + 1 + m_random() % 3;
    job.held_until = now + m_hold_limit;
  }
}

void Queue::arrive(const Stored& to, std::string body, std::string event_id, std::string topic, Clock::time_point now)
{
  Job job{to, std::move(body), std::move(event_id), std::move(topic), m_next_seq++, 0, now, 1, now};
  maybe_hold(job, now);
  m_jobs.push_back(job);
  if (m_chaos && m_random() % 3 == 0) {
    m_jobs.push_back(job); // delivered twice
    maybe_hold(m_jobs.back(), now);
  }
}

void Queue::retry(Job job, Clock::time_point at)
{
  ++job.attempt;
  job.after_seq = std::numeric_limits<std::uint64_t>::max(); // only its time releases it
  job.held_until = at;
  m_jobs.push_back(std::move(job));
}

std::optional<Queue::Job> Queue::take(Clock::time_point now)
{
  const auto next = std::find_if(m_jobs.begin(), m_jobs.end(),
                                 [&](const Job& j) { return ready(j, now) && !m_busy.contains(j.to.owner); });
  if (next == m_jobs.end()) {
    return std::nullopt;
  }
  Job job = std::move(*next);
  m_jobs.erase(next);
  m_busy.insert(job.to.owner);
  return job;
}

Queue::Clock::time_point Queue::next_release() const
{
  auto until = Clock::time_point::max();
  for (const Job& j : m_jobs) {
    if (!m_busy.contains(j.to.owner)) {
      until = std::min(until, j.held_until);
    }
  }
  return until;
}

void Queue::done(const Job& job)
{
  m_done_seq = std::max(m_done_seq, job.seq);
  m_busy.erase(job.to.owner);
}

} // namespace acx::sandbox
