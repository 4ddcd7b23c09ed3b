#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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
  std::uint64_t chaos_seed = 0;      // the choices --chaos makes follow from it
  bool sign_standard = false;        // also sign deliveries with the subscription's secret (Standard Webhooks)
  std::string ready_file;
  double requests_per_second = 10; // per API key, as AccuLynx enforces
  int delivery_retries = 3;
};

// What the sandbox reports to the command that runs it.
struct Reports {
  std::function<void(const std::string& key)> key_made; // the API key made for this run (no --api-key): data
  util::Notify notify;                                  // lines for a person
};

// Runs a local emulator of the AccuLynx webhooks API under /webhooks/v2 (subscriptions, topics, test events; API
// keys, pagination, problem details, 429 past the rate limit) that really delivers events to consumer URLs, with
// retries, and logs every attempt. Admin routes under /_sandbox: POST emit, GET deliveries. Runs until SIGINT or
// SIGTERM. Throws acx::Error when it cannot start.
ExitCode run(const Options& options, const Reports& reports);

} // namespace acx::sandbox
