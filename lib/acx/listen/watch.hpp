#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "acx/util/notice.hpp"
#include "acx/util/thread.hpp"

namespace acx::listen {

// listen --watch-subscription: which subscriptions to ask about, how, and how often. `status` answers "enabled",
// "disabled" or "missing" for an id (the command asks AccuLynx's API, within the shared budget); it throws when it
// cannot tell (the API out of reach), which is noted and asked again at the next turn.
struct SubscriptionWatchOptions {
  std::vector<std::string> ids;
  std::function<std::string(const std::string& id)> status;
  std::chrono::milliseconds every{600'000};
  bool strict = false; // a subscription not enabled fails /healthz (503), rather than degrading it
};

// Asks, on a thread of its own (at start, then every `every`), how the profile's subscriptions are. A subscription
// that is disabled or missing is said once (a notice) and shown by /healthz until it is enabled again; AccuLynx
// sends nothing to it meanwhile, however healthy the listener is.
class SubscriptionWatch {
public:
  SubscriptionWatch(SubscriptionWatchOptions options, util::Notify notify);
  ~SubscriptionWatch();
  void start();
  void stop();

  // The subscriptions last seen not enabled, each with its status; empty when all are (or nothing is known yet).
  std::map<std::string, std::string> not_enabled() const;
  // When it last asked (0: never) and how many turns it asked.
  std::size_t turns() const;

  bool strict() const { return m_options.strict; }

private:
  void run(std::stop_token stop);
  void ask_once();

  SubscriptionWatchOptions m_options;
  util::Notify m_notify;
  mutable std::mutex m_mutex;
  std::map<std::string, std::string> m_status; // id -> last known status
  std::size_t m_turns = 0;
  util::Thread m_thread;
};

} // namespace acx::listen
