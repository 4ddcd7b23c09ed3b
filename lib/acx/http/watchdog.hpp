#pragma once

// Internal to acx/http: ends what overruns its deadline. Apart from client.cpp so that it can be unit-tested.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "acx/util/thread.hpp"

namespace acx::http::detail {

// One thread that calls an action when its deadline passes, at once when asked, or when a check it is given says so
// (looked at every 10 ms, under the watchdog's lock: it must be quick, and it is never called after disarm()
// returns). The action runs on a thread of its own, so one that blocks (cpp-httplib's stop() waits while a
// connection is being made) delays no other.
class Watchdog {
public:
  using Clock = std::chrono::steady_clock;
  using Id = std::uint64_t;

  Watchdog();
  // Ends the thread; actions still running are joined.
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // The one every client shares, made on first use and never destroyed (threads may still use it at exit).
  static Watchdog& shared();

  // Calls `action` once `when` has passed, or `overrun` returns true, unless disarmed first.
  Id arm(Clock::time_point when, std::function<void()> action, std::function<bool()> overrun = {});
  // Moves the deadline to now. Safe from any thread, and after the action ran.
  void expire(Id id);
  // Forgets the deadline; if its action has started, waits for it to finish. Returns whether it ran.
  bool disarm(Id id);

private:
  struct Entry {
    Clock::time_point when;
    std::function<void()> action;
    std::function<bool()> overrun;
    util::Thread running; // joinable once the action has started
  };
  void loop(std::stop_token stop);

  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::map<Id, Entry> m_entries;
  Id m_next = 1;
  util::Thread m_thread;
};

} // namespace acx::http::detail
