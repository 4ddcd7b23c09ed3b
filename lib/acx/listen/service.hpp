#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "acx/contract/contract.hpp"
#include "acx/forward/consumer.hpp"
#include "acx/http/server.hpp"
#include "acx/journal/journal.hpp"
#include "acx/listen/reconciler.hpp"
#include "acx/listen/retainer.hpp"
#include "acx/listen/watch.hpp"
#include "acx/relay/hub.hpp"
#include "acx/relay/puller.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/error.hpp"
#include "acx/util/notice.hpp"

namespace acx::listen {

struct ListenOptions {
  http::ServerOptions server;
  std::string path = "/webhooks/acculynx";
  bool token_in_path = false; // also accept path + "/<token>" (subscriptions made with --secret-in path)
  signing::SchemeOptions scheme;
  std::set<std::string> subscriptions; // lower-case; empty: any
  // --contract: the schemas deliveries are checked against (none: off); refuse_drift: refuse (422) what differs.
  std::shared_ptr<const contract::Contract> contract;
  bool refuse_drift = false;
  std::vector<std::string> topics; // patterns of the topics shown (Observer::delivered); empty: all
  std::string journal;             // empty: config::journal_path()
  journal::Durability durability = journal::Durability::disk;
  Keep keep;             // retention: --retain, --retain-size
  std::size_t count = 0; // exit after this many accepted (and shown) events; 0: run until stopped
  std::optional<std::chrono::milliseconds> timeout;
  std::string ready_file;
  // With --profile: reads the scheme, the subscriptions and the routes' jq programs (by consumer name) again, on
  // SIGHUP and whenever `watch` (the config file) changes; what it throws is printed and the previous ones kept.
  struct Reloaded {
    signing::SchemeOptions scheme;
    std::set<std::string> subscriptions;
    std::map<std::string, jq::Programs> programs;
  };
  std::function<Reloaded()> reload;
  std::string watch;
  // Consumers of the journal (--forward-to, --exec, the profile's routes): each gets every accepted event.
  std::vector<forward::Consumer> consumers;
  forward::Options forwarding;
  // listen --inspect: the page over this journal, in-process, on its own port (never the webhook port).
  std::optional<int> inspect_port;
  // listen --relay-token: serve GET /relay (the accepted deliveries as server-sent events) to these tokens.
  std::vector<std::string> relay_tokens;
  std::chrono::milliseconds relay_keep_alive{15'000};
  std::size_t relay_max_streams = relay::HubOptions{}.max_streams_per_token; // streams one relay token may hold
  // listen --upstream: pull a relay's deliveries into this journal (then printed, forwarded, inspected as any other).
  std::optional<relay::PullOptions> upstream;
  // listen --profile with an API key (--watch-subscription): how the profile's subscriptions are, on /healthz.
  std::optional<SubscriptionWatchOptions> subscription_watch;
  // listen --reconcile-every: reconciliation against AccuLynx's API in the background.
  std::optional<ReconcileOptions> reconcile;
  // listen --canary: a test event asked for every so often, timed to its arrival.
  std::optional<CanaryOptions> canary;
};

// What the listener reports while it runs. The command renders it (text, JSON, colour): the library prints nothing.
class Observer {
public:
  virtual ~Observer() = default;
  // An accepted event of the shown topics, in journal order, on the printer's thread. False when the output is gone:
  // the listener stops.
  virtual bool delivered(const journal::Record& record) = 0;
  // After a batch of delivered(); false when the output is gone.
  virtual bool flush() = 0;
  // One attempt at handing an event to a consumer, from a forwarder's thread.
  virtual void forwarded(const forward::Progress& progress) = 0;
  // A line for a person (listening, reloaded, a refusal, a consumer that stalls, stopped), from any thread.
  virtual void notice(const util::Notice& notice) = 0;
};

// Runs the listener until SIGINT/SIGTERM, --count or --timeout: binds, journals, answers, reports. Returns the exit
// code (ok, or timeout when --count events did not arrive in time). Throws acx::Error when it cannot start, and
// what a thread of the listener failed with (after stopping the rest cleanly).
ExitCode run(const ListenOptions& options, Observer& observer);

} // namespace acx::listen
