#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acx/journal/follower.hpp"
#include "acx/listen/service.hpp"
#include "acx/util/thread.hpp"

namespace acx::listen {

// Shows accepted events through the observer, in journal order from the commit point at start, on its own thread.
class Printer {
public:
  // `enough(last)`: --count was reached (`last` the last one shown), or the output is gone (0): the listener stops.
  Printer(const ListenOptions& o, const std::string& journal_path, const journal::Writer& writer, Observer& observer,
          std::function<void(std::int64_t)> enough);

  void start(util::Thread::Failed failed);
  // Shows what is committed by now, then ends: call once nothing more is appended.
  void stop();

private:
  static constexpr std::size_t k_batch = 512;

  void run(std::stop_token stop);
  void show(const std::vector<std::shared_ptr<const journal::Record>>& batch);
  void break_off(std::int64_t last);

  const ListenOptions& m_options;
  journal::Follower m_follower;
  Observer& m_observer;
  std::function<void(std::int64_t)> m_enough; // with the last sequence number shown
  std::size_t m_shown = 0;
  bool m_done = false;
  util::Thread m_thread;
};

} // namespace acx::listen
