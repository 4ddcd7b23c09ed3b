#pragma once

// One attempt at handing an event to a consumer: a POST to its URL, a publish to its NATS subject, or its command run
// with the body on stdin, and what the attempt came to. The forwarder decides what follows (mark, retry, give up).

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "acx/forward/consumer.hpp"
#include "acx/forward/hydrate.hpp"
#include "acx/forward/schedule.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/jq/jq.hpp"
#include "acx/signing/scheme.hpp"

namespace acx::forward {

// What one attempt came to.
struct Result {
  journal::Handed state = journal::Handed::pending; // delivered, dead, or pending (try again)
  bool stop = false;                                // 410: the consumer asked for no more
  bool abandoned = false; // acx is stopping: nothing is marked, the event is handed over after a restart
  bool filtered = false;  // the consumer's filter did not take it: nothing was handed over (answer: what it yielded)
  bool attempted = false; // the consumer was called (its answer counts toward its circuit breaker)
  int status = 0;
  double ms = 0;
  std::string answer;
  std::optional<std::chrono::seconds> retry_after;
};

// One attempt as the consumer wants it: its filter on the event as journaled, hydration (`hydrate`: none refuses a
// consumer that asks for it), its transform, then, once `gate` lets it (the rate limit and the circuit breaker; false:
// abandoned), post_to or run_for. A jq program that fails makes the event dead, saying why; one whose filter does not
// take the event is `filtered`.
Result hand(const Consumer& c, const signing::Scheme* signer, Hydrate* hydrate, jq::Runner& jq,
            const std::function<bool()>& gate, const Schedule::Item& item, std::stop_token abandon);

// POSTs the event to the consumer's URL, signed by `signer` when there is one (its keep-alive connections are the
// calling thread's). A 2xx is delivered; a 4xx dead (410 stops the consumer); anything else pending.
Result post_to(const Consumer& c, const signing::Scheme* signer, const Schedule::Item& item, std::stop_token abandon);
// Publishes the event to the consumer's NATS subject (nats://), signed as post_to signs, with the same headers as NATS
// headers and the eventId as Nats-Msg-Id: JetStream's acknowledgement is delivered (a repeat it drops too); a body
// larger than the server takes is dead; anything else pending.
Result publish_to(const Consumer& c, const signing::Scheme* signer, const Schedule::Item& item,
                  std::stop_token abandon);
// Runs the consumer's command with the body on stdin and the event in ACX_* variables: exit 0 is delivered, anything
// else pending.
Result run_for(const Consumer& c, const Schedule::Item& item, std::stop_token abandon);

} // namespace acx::forward
