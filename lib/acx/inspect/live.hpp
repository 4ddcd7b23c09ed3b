#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "acx/http/message.hpp"
#include "acx/http/server.hpp"
#include "acx/util/thread.hpp"

namespace acx::inspect {

// Live rows without a thread per browser: a request with nothing new yet waits as an entry in a list (its
// connection suspended by the server), and one thread looks for news for all of them: when nudge() says the journal
// committed (acx listen --inspect: the writer's news), else every `interval` (acx inspect, beside another process's
// writer). A request is answered when news comes, after `longest`, when its client has gone (seen at the next look),
// or at stop().
class LiveRows {
public:
  // What a waiting request asks, each time it is looked at: the answer's body when there is news, else nullopt.
  using Poll = std::function<std::optional<std::string>()>;

  LiveRows(std::chrono::milliseconds interval, std::chrono::milliseconds longest, std::size_t most_waiting);
  // Stops, as stop() does.
  ~LiveRows();
  LiveRows(const LiveRows&) = delete;
  LiveRows& operator=(const LiveRows&) = delete;

  // Answers through `reply` at once when `poll` has news, else once it has (or with `idle` after `longest`). Past
  // `most_waiting` requests, 503.
  void wait(const http::Request& request, Poll poll, std::string idle, http::Reply reply);
  // Answers every waiting request with its idle answer and refuses new ones the same way.
  void stop();
  // The journal committed: the waiting requests are looked at now. From the first nudge on, only nudges (and
  // `longest`) wake the thread: no more looking every `interval`.
  void nudge();
  std::size_t waiting() const;

private:
  struct Waiter {
    Poll poll;
    std::string idle;
    http::Reply reply;
    std::function<bool()> gone;
    std::chrono::steady_clock::time_point until;
  };
  void loop(std::stop_token stop);

  const std::chrono::milliseconds m_interval;
  const std::chrono::milliseconds m_longest;
  const std::size_t m_most;
  mutable std::mutex m_mutex;
  std::condition_variable_any m_cv;
  std::list<Waiter> m_waiters;
  std::size_t m_count = 0; // waiting, those being looked at by the thread included
  bool m_stopping = false;
  bool m_nudged = false; // news since the last look
  bool m_pushed = false; // nudged at least once: no interval
  util::Thread m_thread;
};

// The answer a live request gets: server-sent events, never cached.
http::Response event_stream(std::string body);

} // namespace acx::inspect
