#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "acx/journal/record.hpp"

namespace acx::forward {

// One consumer's events between the journal and the workers that hand them over: a lane per ordering key whose
// events go one at a time, in journal order (an event rebuilt by reconcile --repair before those of its lane that
// happened after it); when each idle lane's first event falls due; and the watermark, below
// which every event is delivered or dead. The forwarder holds its lock around every call. Time is given, never read:
// the unit tests run it on a clock of their own.
class Schedule {
public:
  using Clock = std::chrono::steady_clock;
  using RecordPtr = std::shared_ptr<const journal::Record>;

  struct Item {
    RecordPtr record;
    int attempt = 1;
  };
  struct Taken {
    std::string key;
    Item item;
  };

  // An event read from the journal joins its key's lane as attempt `attempt`; an idle lane falls due at `due` (now, or
  // later for an event a previous run tried and was waiting to try again).
  void add(RecordPtr record, Clock::time_point due, int attempt = 1);
  // The lane due first, if it is due by `now`: busy until finished() or retry(); its first event is handed over.
  std::optional<Taken> take(Clock::time_point now);
  // When the next idle lane falls due; nullopt when none waits.
  std::optional<Clock::time_point> next_due() const;
  // The lane's first event is delivered or dead: it leaves, and the lane's next event falls due at `now`.
  void finished(const std::string& key, Clock::time_point now);
  // The lane's first event is tried again at `at` (its attempt counted); nothing behind it goes first.
  void retry(const std::string& key, Clock::time_point at);

  // The lane holding `seq`, waiting for its first event's next attempt, falls due at `now` (acx events retry: try now,
  // not after the backoff). Its events keep their order: one behind another goes when those before it are done.
  // False when no idle lane holds it (it is being tried, or not here).
  bool hurry(std::int64_t seq, Clock::time_point now);
  // Every idle lane falls due at `now` (a consumer's circuit closed: what waited out a backoff goes at once).
  void hurry_all(Clock::time_point now);
  // Whether the event is in a lane (read, not yet delivered or dead).
  bool holds(std::int64_t seq) const { return m_pending.contains(seq); }
  // Events in lanes.
  std::size_t size() const { return m_pending.size(); }
  // The highest sequence number below which nothing waits, given the last one read.
  std::int64_t watermark(std::int64_t last_read) const;
  // When the oldest event still waiting was received.
  std::optional<util::Instant> oldest_received() const;

private:
  struct Lane {
    std::deque<Item> items;
    bool busy = false;
  };

  // Where an event joins its lane: at the end, but for a reconciled one (see the .cpp).
  static std::deque<Item>::iterator place_in(Lane& lane, const journal::Record& r);

  std::unordered_map<std::string, Lane> m_lanes;
  std::multimap<Clock::time_point, std::string> m_due; // idle lanes with events, by when their first may go
  std::map<std::int64_t, util::Instant> m_pending;     // seq -> received, of every event in a lane
};

} // namespace acx::forward
