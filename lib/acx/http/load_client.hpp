#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "acx/util/headers.hpp"
#include "acx/util/url.hpp"

namespace acx::http {

// One request of a load run: target (path and query), headers, body. Content-Type defaults to application/json.
struct LoadRequest {
  std::string target;
  util::Headers headers;
  std::string body;
};

// What a load request came to: a status, or (status 0) an error.
struct LoadAnswer {
  int status = 0;
  std::string_view body;
  std::chrono::microseconds latency{0};
  std::string_view error;
};

struct LoadClientOptions {
  util::Url origin;            // http only
  std::size_t connections = 1; // kept alive, one request in flight on each
  std::size_t threads = 2;     // event loops the connections are spread over
  std::chrono::milliseconds timeout{10'000};
};

// Drives many keep-alive HTTP/1.1 connections from a few epoll loops, for load generation, where a thread per
// connection and cpp-httplib's client cost more than the work measured. `next` is called (from the loop threads) for
// each request to send until it returns nullopt; `done` with each answer. Each request is written in one send.
// Throws acx::Error (network) when the host cannot be resolved.
void run_load_client(const LoadClientOptions& options, const std::function<std::optional<LoadRequest>()>& next,
                     const std::function<void(const LoadAnswer&)>& done);

} // namespace acx::http
