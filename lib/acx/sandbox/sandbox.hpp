#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "acx/sandbox/limits.hpp"
#include "acx/util/error.hpp"
#include "acx/util/notice.hpp"

namespace acx::sandbox {

// The base path of the emulated API, as AccuLynx's.
inline constexpr const char* k_base_path = "/webhooks/v2";

struct Options {
  std::string host = "127.0.0.1";
  int port = 8788;
  std::string data_dir;              // state (sandbox.db) lives here; empty: under XDG_STATE_HOME
  std::vector<std::string> api_keys; // empty: one is generated and printed at start
  bool chaos = false;                // sometimes deliver twice, and out of order
  double drop = 0;                   // this share of deliveries is silently lost (0 to 1)
  std::uint64_t seed = 0;            // the choices --chaos and --drop make follow from it
  bool sign_standard = false;        // also sign deliveries with the subscription's secret (Standard Webhooks)
  std::string ready_file;
  LimitRules limits;        // AccuLynx's: 10 a second per key, 30 per address, then a 30 s ban
  bool retry_after = false; // say Retry-After on 429 (AccuLynx documents none)
  std::chrono::milliseconds give_up_after{3'600'000}; // a delivery still failing this long after its first attempt
                                                      // is given up: lost to the consumer, still in the history
};

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
