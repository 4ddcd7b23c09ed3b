#pragma once

// One attempt at handing an event to a consumer: a POST to its URL, or its command run with the body on stdin, and
// what the attempt came to. The forwarder decides what follows (mark, retry, give up).

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>

#include "acx/forward/consumer.hpp"
#include "acx/forward/schedule.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/signing/scheme.hpp"

namespace acx::forward {

// What one attempt came to.
struct Result {
  journal::Handed state = journal::Handed::pending; // delivered, dead, or pending (try again)
  bool stop = false;                                // 410: the consumer asked for no more
  bool abandoned = false; // acx is stopping: nothing is marked, the event is handed over after a restart
  int status = 0;
  double ms = 0;
  std::string answer;
  std::optional<std::chrono::seconds> retry_after;
};

// POSTs the event to the consumer's URL, signed by `signer` when there is one (its keep-alive connections are the
// calling thread's). A 2xx is delivered; a 4xx dead (410 stops the consumer); anything else pending.
Result post_to(const Consumer& c, const signing::Scheme* signer, const Schedule::Item& item, std::stop_token abandon);
// Runs the consumer's command with the body on stdin and the event in ACX_* variables: exit 0 is delivered, anything
// else pending.
Result run_for(const Consumer& c, const Schedule::Item& item, std::stop_token abandon);

} // namespace acx::forward
