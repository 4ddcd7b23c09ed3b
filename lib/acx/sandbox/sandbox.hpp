#pragma once

#include <functional>
#include <string>

#include "acx/sandbox/options.hpp"
#include "acx/util/error.hpp"
#include "acx/util/notice.hpp"

namespace acx::sandbox {

// What the sandbox reports to the command that runs it.
struct Reports {
  std::function<void(const std::string& key)> key_made; // the API key made for this run (no --api-key): data
  util::Notify notify;                                  // lines for a person
};

// Runs a local emulator of AccuLynx: the webhooks API under /webhooks/v2 (subscriptions, topics, test events) and a
// subset of the REST API under /api/v2 (contacts, jobs, their history), with API keys (one company each),
// pagination, problem details and AccuLynx's rate limits; every change to a job or contact is delivered to the
// subscriptions of its topic, with retries, and every attempt logged. Admin routes under /_sandbox (emit,
// deliveries, usage, and the changes the public API cannot make). Runs until SIGINT or SIGTERM. Throws acx::Error
// when it cannot start.
ExitCode run(const Options& options, const Reports& reports);

} // namespace acx::sandbox
