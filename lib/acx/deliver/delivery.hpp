#pragma once

#include <functional>
#include <string>
#include <vector>

#include "acx/deliver/retry.hpp"
#include "acx/http/client.hpp"
#include "acx/util/error.hpp"
#include "acx/util/headers.hpp"

namespace acx::deliver {

// A request ready to go: final body bytes, headers (signature included) and the URL (token included).
struct Outgoing {
  std::string url;
  util::Headers headers;
  std::string body;
  std::string event_id; // for reports
  std::string topic;
};

struct Attempt {
  int number = 1;
  http::Exchange exchange;
  std::chrono::milliseconds waited{0}; // backoff before this attempt
};

// The outcome of delivering one request, every attempt included.
struct Report {
  bool accepted = false;
  std::vector<Attempt> attempts;
  std::string gave_up;  // why it stopped, when not accepted
  bool skipped = false; // never attempted: deliver_all had stopped (the receiver was unreachable)
};

// Delivers as a provider does: POST, retry per the policy, stop at 2xx, 410 or another 4xx. `on_attempt` is called
// after each attempt, as it happens.
Report deliver(http::Client& client, const std::string& target, const Outgoing& request, const RetryPolicy& policy,
               const std::function<void(const Attempt&)>& on_attempt = {});

// Delivers every request, `concurrency` at a time (each worker with its own connection per origin), and returns the
// reports in the requests' order. `on_attempt` may be called from several threads at once. Once
// policy.unreachable_in_a_row events in a row could not reach the receiver at all, the rest are skipped.
std::vector<Report> deliver_all(const std::vector<Outgoing>& requests, const http::ClientOptions& client,
                                const RetryPolicy& policy, std::size_t concurrency,
                                const std::function<void(const Outgoing&, const Attempt&)>& on_attempt = {});

// What a run of deliveries came to, and the exit code that says so: network when some were never sent (the receiver
// could not be reached) or a failed one's last attempt had no answer; failed when one was refused or not accepted in
// the end; ok otherwise.
struct Tally {
  std::size_t total = 0;
  std::size_t failed = 0;  // attempted and not accepted
  std::size_t skipped = 0; // never attempted
  bool transport = false;  // a failed one's last attempt got no answer
  ExitCode exit_code() const;
};
Tally tally(const std::vector<Report>& reports);

} // namespace acx::deliver
