#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "acx/sandbox/store.hpp"

namespace acx::sandbox {

// The sandbox's deliveries waiting to go, and which may go next. Tenants (API keys) are independent: a tenant's
// deliveries go one at a time, in arrival order among those released; several tenants at once. With chaos some
// deliveries are queued twice and some held back until one to three later ones have been delivered (or `hold_limit`
// has passed), so events arrive out of order; the choices follow from the seed alone. Not thread-safe: the
// Deliverer holds its lock around every call. Time is given, never read, so the tests run it on their own clock.
class Queue {
public:
  using Clock = std::chrono::steady_clock;

  struct Job {
    Stored to; // the subscription, its owner and secret
    std::string body;
    std::string event_id;
    std::string topic;
    std::uint64_t seq = 0;        // order of arrival
    std::uint64_t after_seq = 0;  // held back until the delivery of this seq is over...
    Clock::time_point held_until; // ...or until then
    int attempt = 1;
    Clock::time_point first; // when it first arrived: retries end --give-up-after later
  };

  Queue(bool chaos, std::uint64_t seed, std::chrono::seconds hold_limit = std::chrono::seconds(15));

  // An event for a subscription arrives at `now`.
  void arrive(const Stored& to, std::string body, std::string event_id, std::string topic, Clock::time_point now);
  // An attempt that failed goes back, to be tried again at `at` (its attempt counted).
  void retry(Job job, Clock::time_point at);
  // The first job in arrival order that may go at `now` and whose tenant is free; its tenant is busy until done().
  std::optional<Job> take(Clock::time_point now);
  // When the soonest job of a free tenant is released by time; Clock::time_point::max() when none waits for time.
  Clock::time_point next_release() const;
  // The attempt at `job` is over: its tenant is free, and jobs held behind it may go.
  void done(const Job& job);
  // From now on nothing is held: what is queued goes as soon as its tenant is free (the sandbox is stopping).
  void release_all() { m_release_all = true; }
  bool empty() const { return m_jobs.empty(); }

private:
  bool ready(const Job& job, Clock::time_point now) const;
  void maybe_hold(Job& job, Clock::time_point now);

  bool m_chaos;
  std::chrono::seconds m_hold_limit;
  std::mt19937_64 m_random;
  std::deque<Job> m_jobs;
  std::set<std::string> m_busy; // tenants whose delivery is under way
  std::uint64_t m_next_seq = 1;
  std::uint64_t m_done_seq = 0; // the highest seq whose attempt is over
  bool m_release_all = false;
};

} // namespace acx::sandbox
