#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>

#include "acx/listen/pipeline.hpp"
#include "acx/util/notice.hpp"

namespace acx::listen {

// The refusal notices, kept readable under a flood: up to `per_second` one by one each second, then one summary a
// second for the rest, by reason.
class RefusalLog {
public:
  // `now` is the clock (a seam for tests).
  explicit RefusalLog(util::Notify notify, std::size_t per_second = 10,
                      std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now);
  // Reports the refusal, or counts it toward the summary; safe from any thread.
  void note(const RefusedNote& note);
  // Reports the summary of what was held back in a second that has ended (call about once a second), or of
  // everything held back when `all`.
  void flush(bool all = false);

private:
  void flush_locked(std::chrono::steady_clock::time_point now, bool all);

  util::Notify m_notify;
  std::function<std::chrono::steady_clock::time_point()> m_now;
  std::size_t m_per_second;
  std::mutex m_mutex;
  std::chrono::steady_clock::time_point m_window;
  std::size_t m_shown = 0;
  std::map<Refusal, std::size_t> m_held;
};

} // namespace acx::listen
