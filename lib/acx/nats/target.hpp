#pragma once

// Where a NATS JetStream consumer publishes, as --forward-to (or a route's url) gives it:
//   nats://HOST[:PORT]/SUBJECT[?stream=NAME&creds=FILE]     (nats+tls:// for TLS; the port is 4222 unless given)
// Plain strings: no NATS library here, so the configuration can check a route's url without one.

#include <optional>
#include <string>
#include <string_view>

namespace acx::nats {

struct Target {
  std::string server;  // for the client library: nats://HOST:PORT, or tls://HOST:PORT
  bool tls = false;    // nats+tls://
  std::string subject; // each event is published to it
  std::string stream; // the stream made when none holds the subject: ?stream=, else the subject upper-cased, '.' as '_'
  std::string creds;  // ?creds=: a credentials file (a user's JWT and NKEY seed); empty: none
};

// True for the schemes above: the url is a NATS target, not an HTTP one.
bool is_nats_url(std::string_view url);

// Parses a NATS target; nullopt with `why` set when it is not one: another scheme, no host, a bad port, no subject,
// a subject with a wildcard or an empty token, a stream name NATS refuses, an unknown parameter.
std::optional<Target> parse_target(std::string_view url, std::string* why = nullptr);

} // namespace acx::nats
