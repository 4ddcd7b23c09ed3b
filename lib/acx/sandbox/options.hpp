#pragma once

// What acx sandbox is asked to be: one struct every part of it reads, below them all.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "acx/sandbox/limits.hpp"

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

} // namespace acx::sandbox
