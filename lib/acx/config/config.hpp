#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acx/util/build.hpp"

namespace acx::config {

// A subscription registered with acx subscribe: what the listener needs to check its deliveries.
struct Subscribed {
  std::string id;
  std::string url;            // the consumer URL as given, without the token
  std::string token;          // the 256-bit secret carried in the registered URL
  std::string secret_in;      // "query" or "path"
  std::string signing_secret; // whsec_...: when the API signs deliveries (acx sandbox --sign standard), else empty
  std::vector<std::string> topics;
  std::string contact;
  // Rotation: the token or signing secret being replaced, which still verifies until previous_until (RFC 3339).
  std::string previous_token;
  std::string previous_signing_secret;
  std::string previous_until;
};

// A route of acx listen --profile: where accepted events are forwarded ([[profiles.NAME.forward]]).
struct Forward {
  std::string url;
  std::string name;                 // empty: the URL names it
  std::vector<std::string> topics;  // globs; empty: every topic
  std::string secret;               // signs the forwards when set
  std::string scheme;               // token (default with a secret), standard, hmac, github or shopify
  std::vector<std::string> headers; // fixed headers on every forward, "Name: value" ("X-GitHub-Event: ping")
  std::vector<std::string> hydrate; // "job", "contact": fetched from the API and added to each event
  std::string hydrate_fallback;     // "wait" (the default: nothing goes thin) or "thin"
  std::string filter;               // a jq program: the route takes an event when it yields true
  std::string transform;            // a jq program: its output is the body forwarded
  std::string rate;                 // "50/s": at most this many attempts; empty: no limit
  int burst = 0;                    // attempts at once after a quiet spell; 0: the rate's count per second
  int breaker_failures = -1;        // failed attempts in a row that open the circuit; 0: never; -1: the default (20)
  std::string breaker_cooldown;     // how long an open circuit waits before one attempt ("30s"); empty: the default
  std::string cert, key, cacert;    // mTLS: a client certificate and key, CA certificates to trust (PEM files)
};

// A named set of settings: where the API is, its key, the subscriptions made through it, and its routes.
struct Profile {
  std::string api_base;
  std::string api_key;
  std::vector<Subscribed> subscriptions;
  std::vector<Forward> routes;
  std::string retain;       // acx listen --retain: a duration ("30d"), or empty
  std::string retain_size;  // acx listen --retain-size: a size ("10GiB"), or empty
  std::string relay_token;  // acx listen --relay-token: serve GET /relay to it (and pull with it, --upstream)
  std::string journal;      // acx listen --journal: a file, or a postgresql:// URI (its password kept elsewhere)
  int api_rate = 0;         // --api-rate: requests a second per API key (1 to 10); 0: the default
  int api_machine_rate = 0; // --api-machine-rate: requests a second from this machine (1 to 30); 0: the default

  // acx subscribe's bookkeeping, kept in step with the API. Each returns whether the profile changed.
  // Adds `s`, or replaces the subscription with its id.
  bool remember(Subscribed s);
  // Removes the subscription `id`.
  bool forget(const std::string& id);
  // Changes the subscription `id`'s contact and topics; an empty one stays as it was.
  bool change(const std::string& id, const std::string& contact, const std::vector<std::string>& topics);
};

struct Config {
  std::map<std::string, Profile> profiles;
  std::vector<std::string> warnings; // found while loading, for the command to show (a world-readable file, say)

  // The profile `name`, or nullptr.
  const Profile* find(const std::string& name) const;
};

// One key the config file may hold, as acx.toml(5) documents it: the table it belongs in ("profiles.NAME",
// "[[profiles.NAME.forward]]", "[[profiles.NAME.subscriptions]]"), its name, its TOML type, and what it means.
struct Key {
  std::string_view table;
  std::string_view name;
  std::string_view type;
  std::string_view what;
};
// Why `url` cannot be where a consumer is handed events (--forward-to, a route's url): nullopt for an http(s) URL or
// a NATS target (nats://HOST:PORT/SUBJECT), else "is not ...: why".
std::optional<std::string> forward_url_problem(std::string_view url);

// Every key load() reads, in the order the page lists them.
std::span<const Key> keys();

// Reads the config; a missing file is an empty config. Throws acx::Error (bad_input) with file, line and column for
// TOML that does not parse or values of the wrong type.
// A config holding tokens that others may write is refused (acx::Error, bad_input), as ssh's StrictModes refuses
// such files: whoever can write it can point acx's deliveries anywhere. One that others may read is loaded with a
// warning.
Config load(const std::string& path);
// The same from the file's text; `path` names it in messages.
Config parse(std::string_view text, const std::string& path);

// Writes the config atomically (a 0600 temporary file in the same directory, fsync, rename), creating the directory
// with mode 0700. Throws acx::Error (io) naming the path.
void save(const Config& config, const std::string& path);

// Loads the config, lets `edit` change it, and saves it when `edit` says it changed something.
void update(const std::string& path, const std::function<bool(Config&)>& edit);

// The toml++ acx was built with (header-only: it is also the one running).
util::Library toml_library();

} // namespace acx::config
