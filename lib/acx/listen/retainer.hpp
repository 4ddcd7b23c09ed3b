#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "acx/util/notice.hpp"
#include "acx/util/thread.hpp"

namespace acx::listen {

// What the listener keeps (--retain, --retain-size): deliveries received within `age`, and a journal of at most
// `bytes`. Neither: everything.
struct Keep {
  std::optional<std::chrono::seconds> age;
  std::uint64_t bytes = 0;
  std::string age_given, bytes_given; // as the flag or profile said them ("30d", "10GiB"), when known
  bool any() const { return age || bytes > 0; }
  // "30d, 10GiB": as given (else acx's own short forms), as the notices and acx events stats show it.
  std::string describe() const;
};

// Prunes the journal the listener writes, on a thread of its own: once at start, then every `every`, in the small
// transactions journal::Pruner makes, so deliveries keep being committed meanwhile. What it removed, kept back for a
// consumer, or could not do is reported as notices; a failed pruning is tried again at the next turn.
class Retainer {
public:
  Retainer(std::string journal_path, Keep keep, util::Notify notify,
           std::chrono::milliseconds every = std::chrono::minutes(1));
  void start() { m_periodic.start(); }
  void stop() { m_periodic.stop(); }

private:
  void prune_once();

  std::string m_path;
  Keep m_keep;
  util::Notify m_notify;
  util::Periodic m_periodic; // last: stopped before the rest goes
};

} // namespace acx::listen
