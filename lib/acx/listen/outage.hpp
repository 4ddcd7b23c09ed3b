#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "acx/journal/journal.hpp"
#include "acx/util/notice.hpp"

namespace acx::listen {

// What the listener says while its journal cannot be written (a full disk, a read-only file system): one warning
// when the first delivery is answered 503, at most one line a second after it while more are, and one when the
// journal takes deliveries again, without a restart.
class Outage {
public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit Outage(util::Notify notify, Clock now = std::chrono::steady_clock::now);
  // A delivery answered 503 because the journal could not store it (`why`: the journal's error). Any thread.
  void refused(const std::string& why);
  // About once a second, with the journal's failure now (none: it commits again).
  void tick(const journal::Failure& failure);

private:
  util::Notify m_notify;
  Clock m_now;
  std::mutex m_mutex;
  std::optional<std::chrono::steady_clock::time_point> m_since; // in an outage since
  std::chrono::steady_clock::time_point m_said;                 // the last line about it
  std::size_t m_held = 0;                                       // 503s since that line
  std::size_t m_total = 0;                                      // 503s in this outage
  std::string m_why;
};

} // namespace acx::listen
