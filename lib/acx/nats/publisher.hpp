#pragma once

// Publishing to NATS JetStream: one connection, to the stream that holds the target's subject (made when none
// does), each message with its Nats-Msg-Id so that JetStream drops a repeat within its duplicate window. libnats is
// used only in publisher.cpp: the rest of acx sees these types.

#include <chrono>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "acx/nats/target.hpp"
#include "acx/util/headers.hpp"

namespace acx::nats {

// TLS toward the server beyond nats+tls://'s system trust: PEM files.
struct Tls {
  std::string cert, key; // a client certificate, for a server that asks for one
  std::string cacert;    // CA certificates to trust instead of the system's
};

struct Message {
  std::string_view id; // Nats-Msg-Id: the event's id
  const util::Headers& headers;
  std::string_view body;
};

// What JetStream said to one message.
struct Ack {
  enum class State {
    stored,    // acknowledged: in the stream
    duplicate, // acknowledged as a repeat within the duplicate window: in the stream once already
    failed,    // not acknowledged (no server, no answer in time, an error): try again later
    refused,   // never storable as it is (larger than the server's max_payload): trying again cannot help
    abandoned, // the stop token was triggered: nothing is known
  };
  State state = State::failed;
  std::string stream;
  std::uint64_t seq = 0;
  std::string why; // for failed and refused: what went wrong, no credential in it
};

// The duplicate window of a stream acx makes: JetStream's default is 2 minutes, too short for a listener that is
// down for longer than that before it hands over again what it may have published already.
constexpr std::chrono::hours k_duplicate_window{1};

class Publisher {
public:
  Publisher(Target target, Tls tls, std::chrono::milliseconds timeout);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Publishes and waits for JetStream's acknowledgement, at most the timeout; connects first (and finds or makes the
  // stream) when not connected. A triggered stop token ends the wait at once: abandoned.
  Ack publish(const Message& message, std::stop_token stop);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace acx::nats
