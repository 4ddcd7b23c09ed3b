#pragma once

// The delivery flags that send and replay share, and how their results are printed.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "acx/deliver/delivery.hpp"
#include "options.hpp"

namespace acx::cli {

struct DeliveryFlags {
  std::vector<std::string> headers;
  Duration timeout = std::chrono::seconds(10);
  int retries = 3;
  bool insecure = false;
  Format format = Format::text;
};

// -H, --timeout, --retries, --insecure, --format.
void add_delivery_options(CLI::App* cmd, DeliveryFlags& flags);

// Delivers the requests (`concurrency` at a time), printing each attempt as it happens (text) or one JSON object per
// request at the end (json). Returns ok when every request was accepted, network when the last failure was a
// transport error, failed otherwise.
int deliver_and_report(const std::vector<deliver::Outgoing>& requests, const DeliveryFlags& flags,
                       std::size_t concurrency);

} // namespace acx::cli
