#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include "acx/listen/pipeline.hpp"

namespace acx::listen {

// The refusal lines on stderr, kept readable under a flood: up to `per_second` lines a second one by one, then one
// summary line a second for the rest, by reason.
class RefusalLog {
public:
  explicit RefusalLog(std::FILE* out, std::size_t per_second = 10);
  // Prints the refusal, or counts it toward the summary; safe from any thread.
  void note(const RefusedNote& note);
  // Prints the summary of what was held back in a second that has ended (call about once a second), or of
  // everything held back when `all`.
  void flush(bool all = false);

private:
  void flush_locked(std::chrono::steady_clock::time_point now, bool all);

  std::FILE* m_out;
  std::size_t m_per_second;
  std::mutex m_mutex;
  std::chrono::steady_clock::time_point m_window;
  std::size_t m_shown = 0;
  std::map<Refusal, std::size_t> m_held;
};

} // namespace acx::listen
