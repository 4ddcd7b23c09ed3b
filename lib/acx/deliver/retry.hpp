#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <string_view>

#include "acx/http/client.hpp"

namespace acx::deliver {

// How a provider retries: exponential backoff with jitter, Retry-After honoured.
struct RetryPolicy {
  int retries = 3;                           // attempts after the first
  std::chrono::milliseconds base{500};       // the first wait, before jitter
  std::chrono::milliseconds ceiling{60'000}; // no wait is longer
  std::size_t unreachable_in_a_row = 3;      // deliver_all stops once this many events in a row never reached the
                                             // receiver (every attempt a transport error); 0: never
};

// What to do after an attempt.
enum class Next {
  done,    // 2xx: accepted
  retry,   // a transport error, a timeout, 408, 429 or 5xx: try again if retries remain
  give_up, // 410 Gone, or another 4xx: retrying cannot help
};
Next classify(const http::Exchange& exchange);

// Retry-After as delta-seconds or an HTTP-date; nullopt when absent or unreadable. `now` is Unix seconds.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::int64_t now);

// The wait before attempt `attempt` + 1 (attempt counts from 1): Retry-After when the server gave one, else
// base * 2^(attempt-1) scaled by a random factor in [0.5, 1]; never above the ceiling.
std::chrono::milliseconds backoff(int attempt, const RetryPolicy& policy,
                                  std::optional<std::chrono::seconds> retry_after, std::mt19937_64& random);

// After attempt `attempt` (from 1) got `exchange`: the wait before the next attempt, or nullopt when there is to be
// none (accepted, not worth retrying, or the retries are spent).
std::optional<std::chrono::milliseconds> retry_wait(const http::Exchange& exchange, int attempt,
                                                    const RetryPolicy& policy, std::mt19937_64& random);

// The one retry loop: calls `attempt` with 1, 2, ... (and the time waited before it), waiting between calls for
// what `wait_after` says of the exchange just made, until it says nullopt; returns the last exchange. Used by every
// sender that waits in place (send, replay, the API client); the sandbox's deliverer queues its retries instead.
using WaitAfter = std::function<std::optional<std::chrono::milliseconds>(const http::Exchange&, int attempt)>;
http::Exchange keep_trying(const std::function<http::Exchange(int attempt, std::chrono::milliseconds waited)>& attempt,
                           const WaitAfter& wait_after);

} // namespace acx::deliver
