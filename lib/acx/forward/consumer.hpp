#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "acx/config/config.hpp"
#include "acx/forward/hydrate.hpp"
#include "acx/forward/throttle.hpp"
#include "acx/journal/record.hpp"
#include "acx/jq/jq.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/time.hpp"

namespace acx::forward {

// Where a new consumer starts reading the journal (--forward-from): now (the default), or history from a point.
struct From {
  bool start = false;                // every event the journal holds
  std::optional<std::int64_t> seq;   // events from this sequence number on
  std::optional<util::Instant> time; // events received from this time on
  bool given() const { return start || seq || time; }
};

// mTLS toward a consumer that asks for a client certificate: PEM files (--forward-cert, --forward-key,
// --forward-cacert; a route's cert, key, cacert).
struct ClientTls {
  std::string cert, key; // both or neither
  std::string cacert;    // CA certificates to trust instead of the system's
};

// How a consumer is handed events: POSTed to its URL, published to its NATS subject, or its command run.
enum class Via { http, nats, command };

// One consumer of the journal: the developer's app at a URL (--forward-to; nats:// for a JetStream subject), or a
// command (--exec).
struct Consumer {
  std::string name;    // in the journal and on the output: --name, else the URL (its token hidden) or the command
  std::string label;   // on /metrics and /healthz, which others may read: the name when one was given, else the URL's
                       // origin and path (no query) or the command's program, never a query or a command line
  std::string url;     // --forward-to
  std::string command; // --exec
  std::vector<std::string> topics;           // globs ("job.*"); empty: every topic
  signing::SchemeOptions scheme;             // how forwards are signed: none unless a secret is given
  util::Headers headers;                     // fixed headers on every forward (--forward-header, a route's headers)
  std::chrono::milliseconds timeout{10'000}; // per forward (AccuLynx's 10 s), or per command run (60 s)
  From from;
  std::vector<std::string> hydrate; // "job", "contact": added to each event from the API (forward/hydrate.hpp)
  bool hydrate_thin = false;        // hydrate-fallback = "thin": hand the event over as it is when hydration fails
  jq::Programs programs;            // its filter and transform (--forward-filter, --forward-transform, a route's)
  ThrottleOptions throttle;         // its rate limit and circuit breaker
  ClientTls tls;

  Via via() const;
};

// What the command line and a profile say about consumers: listen's --forward-to, --exec and their settings, and
// the profile's [[profiles.NAME.forward]] routes.
struct Wanted {
  std::vector<std::string> urls;     // --forward-to
  std::vector<std::string> commands; // --exec
  std::string name;                  // --name: of the one consumer given
  std::string secret;                // --forward-secret
  std::string scheme;                // --forward-scheme: token (the default), standard, hmac, github, shopify
  std::vector<std::string> headers;  // --forward-header: "Name: value"
  std::chrono::milliseconds url_timeout{10'000};
  std::chrono::milliseconds command_timeout{60'000};
  From from;
  std::vector<std::string> hydrate; // --hydrate
  jq::Programs programs;            // --forward-filter, --forward-transform
  std::string rate;                 // --forward-rate: "50/s"; empty: none
  int burst = 0;                    // --forward-burst; 0: the rate's count per second
  int breaker_failures = 20;        // --forward-breaker; 0: none
  std::chrono::milliseconds breaker_cooldown{30'000};
  ClientTls tls;                       // --forward-cert, --forward-key, --forward-cacert
  std::vector<config::Forward> routes; // the profile's
};

// The consumers wanted, each named (no two alike) and signed as asked. Throws acx::Error (usage) naming the flag or
// the route that is wrong: --name for several consumers, a scheme other than token or standard, a malformed secret,
// two consumers of one name, a jq program that does not compile; bad_input for a client certificate or CA file that
// cannot be read, is not PEM, or a key that is not the certificate's.
std::vector<Consumer> consumers(const Wanted& wanted);

struct Options {
  std::size_t concurrency = 8;                            // events handed over at once, each of another ordering key
  std::chrono::milliseconds max_age{24 * 3600 * 1000LL};  // older and still failing: dead
  std::chrono::milliseconds max_wait{60'000};             // the longest wait between tries
  std::chrono::milliseconds stall_warning{5 * 60 * 1000}; // warn when nothing was delivered for this long
  std::shared_ptr<Hydrate> hydrate;                       // for consumers with `hydrate`; none: they are refused
};

// What became of one attempt, for the listener's output.
struct Progress {
  std::string consumer;
  std::int64_t seq = 0;
  std::string event_id;
  std::string topic;
  int attempt = 1;
  Via via = Via::http;
  int status = 0; // HTTP status (0: no answer) or exit code; 0 for NATS (the answer says the stream and its seq)
  double ms = 0;
  std::string answer;  // its first line, or why there was none
  std::string state;   // delivered, retry, dead, stopped
  double retry_in = 0; // seconds, with retry
};

// The ordering key of a journaled event: its subject (the job or contact it is about, Record::subject), else its
// subscription and topic. Events of one key are handed over one at a time, in journal order.
std::string ordering_key(const journal::Record& record);

} // namespace acx::forward
