#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acx/journal/journal.hpp"
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
  void start() { m_periodic.start(); }
  void stop() { m_periodic.stop(); }

  // The subscriptions last seen not enabled, each with its status; empty when all are (or nothing is known yet).
  std::map<std::string, std::string> not_enabled() const;
  // When it last asked (0: never) and how many turns it asked.
  std::size_t turns() const;

  bool strict() const { return m_options.strict; }

private:
  void ask_once();

  SubscriptionWatchOptions m_options;
  util::Notify m_notify;
  mutable std::mutex m_mutex;
  std::map<std::string, std::string> m_status; // id -> last known status
  std::size_t m_turns = 0;
  util::Periodic m_periodic;
};

// listen --canary: every `every`, `ask` has AccuLynx send the subscription a test event of `topic` (within the shared
// budget) and returns its eventId ("" when AccuLynx does not say it: then the first delivery of the topic after asking
// is taken for it).
struct CanaryOptions {
  std::chrono::milliseconds every{600'000};
  std::string topic;
  std::function<std::string()> ask;
};

// Times the test events from asking to their arrival in the journal: the last latency for /metrics
// (acx_canary_seconds), and a warning when one has not arrived by the next turn.
class Canary {
public:
  Canary(CanaryOptions options, const journal::Writer& writer, util::Notify notify);
  void start() { m_periodic.start(); }
  void stop() { m_periodic.stop(); }

  std::optional<double> last_seconds() const; // nullopt until one arrived
  std::size_t lost() const;                   // test events that did not arrive by the next turn

private:
  void turn(std::stop_token stop);
  // Asks for one and waits for it until the next turn: its latency, or nullopt.
  std::optional<double> one(std::stop_token stop);

  CanaryOptions m_options;
  const journal::Writer& m_writer;
  util::Notify m_notify;
  mutable std::mutex m_mutex;
  std::optional<double> m_last;
  std::size_t m_lost = 0;
  util::Periodic m_periodic;
};

} // namespace acx::listen
