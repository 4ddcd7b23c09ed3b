#pragma once

// The one group commit of the journal family: items queued by any number of threads; one committer thread takes
// everything queued (after letting a group fill for a moment) and commits it as one group, then the next, so that one
// transaction and one sync serve many appends. The writers' records (GroupWriter) and the outboxes' hand-overs
// (Outbox::record) both go through it.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acx/util/thread.hpp"

namespace acx::journal::detail {

template <class Item> class GroupCommit {
public:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Hooks {
    std::function<void(std::vector<Item>&)> commit; // one group: commit it and answer each item; must not throw
    std::function<std::optional<TimePoint>()> idle_due = {}; // when work of its own is due while nothing waits
    std::function<void()> idle_work = {};
  };
  struct Limits {
    std::chrono::microseconds gather{0}; // how long a group may fill before it is committed...
    std::size_t gather_items = 1;        // ... unless this many wait already
    std::size_t max_waiting = 16'384;    // past this many waiting, enqueue refuses
  };

  explicit GroupCommit(Limits limits) : m_limits(limits) {}
  ~GroupCommit() { close(); }
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Starts the committer (once whatever the hooks use is ready).
  void start(std::string thread_name, Hooks hooks)
  {
    m_hooks = std::move(hooks);
    m_thread = util::Thread(std::move(thread_name), [this] { run(); });
  }

  // Queues `item` for the next group; why not when it cannot (closed, or too many wait).
  std::optional<std::string> enqueue(Item item)
  {
    std::unique_lock lock(m_mutex);
    if (m_closing) {
      return std::string("the journal is closed");
    }
    if (m_waiting.size() >= m_limits.max_waiting) {
      return "the journal is busy: " + std::to_string(m_waiting.size()) + " records wait for their commit";
    }
    m_waiting.push_back(std::move(item));
    if (m_waiting.size() == 1 || m_waiting.size() == m_limits.gather_items) {
      m_cv.notify_one();
    }
    return std::nullopt;
  }

  // Commits what waits, then stops the committer. Idempotent.
  void close()
  {
    {
      std::lock_guard lock(m_mutex);
      m_closing = true; // whatever was queued before is committed before close returns
    }
    m_cv.notify_all();
    m_thread.wait();
  }

private:
  // Takes everything queued into one group; between groups, the idle work when it is due.
  void run()
  {
    for (;;) {
      std::vector<Item> group;
      {
        std::unique_lock lock(m_mutex);
        if (m_waiting.empty() && !m_closing && m_hooks.idle_due) {
          lock.unlock();
          const auto due = m_hooks.idle_due();
          lock.lock();
          if (due && m_waiting.empty() && !m_closing) {
            if (*due <= std::chrono::steady_clock::now()) {
              lock.unlock();
              m_hooks.idle_work(); // nothing waits: work behind the write path, a small step at a time
              continue;
            }
            m_cv.wait_until(lock, *due, [this] { return m_closing || !m_waiting.empty(); });
            continue;
          }
        }
        m_cv.wait(lock, [this] { return m_closing || !m_waiting.empty(); });
        if (m_waiting.empty()) {
          return;
        }
        // Give the group a moment to fill: one commit of many items costs little more than one of a few.
        if (m_limits.gather.count() > 0) {
          m_cv.wait_for(lock, m_limits.gather,
                        [this] { return m_closing || m_waiting.size() >= m_limits.gather_items; });
        }
        group.swap(m_waiting);
      }
      m_hooks.commit(group);
    }
  }

  const Limits m_limits;
  Hooks m_hooks;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::vector<Item> m_waiting;
  bool m_closing = false;
  util::Thread m_thread; // last: it starts once everything above is ready
};

} // namespace acx::journal::detail
