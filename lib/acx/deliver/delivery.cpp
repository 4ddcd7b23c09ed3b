#include "acx/deliver/delivery.hpp"
#include "acx/util/service.hpp"

#include <atomic>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "acx/util/url.hpp"

#include "acx/util/time.hpp"

namespace acx::deliver {

Report deliver(http::Client& client, const std::string& target, const Outgoing& request, const RetryPolicy& policy,
               const std::function<void(const Attempt&)>& on_attempt)
{
  thread_local std::mt19937_64 random{std::random_device{}()};
  Report report;
  const http::Exchange last = keep_trying(
      [&](int n, std::chrono::milliseconds waited) {
        report.attempts.push_back({n, client.post(target, request.headers, request.body), waited});
        if (on_attempt) {
          on_attempt(report.attempts.back());
        }
        return report.attempts.back().exchange;
      },
      [&](const http::Exchange& e, int n) { return retry_wait(e, n, policy, random); });
  const int n = static_cast<int>(report.attempts.size());
  switch (classify(last)) {
  case Next::done:
    report.accepted = true;
    break;
  case Next::give_up:
    report.gave_up = last.status == 410 ? std::string("410 Gone: the receiver asked not to retry")
                     : last.permanent   ? fmt::format("{}: retrying cannot help; -k/--insecure skips the check, "
                                                        "knowing that anyone on the way can then read and change what "
                                                        "is sent",
                                                      last.error)
                                        : fmt::format("{}: retrying cannot help", last.status);
    break;
  case Next::retry:
    report.gave_up = fmt::format("no success after {} attempt{}", n, n > 1 ? "s" : "");
    break;
  }
  return report;
}

std::vector<Report> deliver_all(const std::vector<Outgoing>& requests, const http::ClientOptions& client_options,
                                const RetryPolicy& policy, std::size_t concurrency,
                                const std::function<void(const Outgoing&, const Attempt&)>& on_attempt)
{
  std::vector<Report> reports(requests.size());
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::size_t unreachable = 0; // events in a row whose every attempt was a transport error
  bool stopped = false;
  // Counts the outcome; true when delivery should stop.
  auto note = [&](const Report& report) {
    std::lock_guard lock(mutex);
    const bool never_reached = !report.accepted && !report.attempts.empty() &&
                               report.attempts.back().exchange.status == 0; // refused, timed out, untrusted TLS
    unreachable = never_reached ? unreachable + 1 : 0;
    stopped = stopped || (policy.unreachable_in_a_row > 0 && unreachable >= policy.unreachable_in_a_row);
    return stopped;
  };
  auto work = [&] {
    std::map<std::string, std::unique_ptr<http::Client>> clients; // one keep-alive connection per origin
    for (std::size_t i = next++; i < requests.size(); i = next++) {
      const Outgoing& r = requests[i];
      {
        std::lock_guard lock(mutex);
        if (stopped) {
          reports[i].skipped = true;
          reports[i].gave_up = "not sent: the receiver could not be reached";
          continue;
        }
      }
      std::string why;
      const auto url = util::parse_url(r.url, &why);
      if (!url) {
        Report bad;
        bad.gave_up = fmt::format("bad URL {}: {}", r.url, why);
        reports[i] = bad;
        continue;
      }
      auto& client = clients[url->origin()];
      if (!client) {
        client = std::make_unique<http::Client>(*url, client_options);
      }
      reports[i] = deliver(*client, url->target, r, policy, [&](const Attempt& a) {
        if (on_attempt) {
          on_attempt(r, a);
        }
      });
      note(reports[i]);
    }
  };
  util::run_on_threads(std::max<std::size_t>(1, std::min(concurrency, requests.size())), work);
  return reports;
}

ExitCode Tally::exit_code() const
{
  if (skipped > 0) {
    return ExitCode::network;
  }
  if (failed > 0) {
    return transport ? ExitCode::network : ExitCode::failed;
  }
  return ExitCode::ok;
}

Tally tally(const std::vector<Report>& reports)
{
  Tally t;
  t.total = reports.size();
  for (const auto& r : reports) {
    if (r.skipped) {
      ++t.skipped;
    } else if (!r.accepted) {
      ++t.failed;
      t.transport = t.transport || r.attempts.empty() || r.attempts.back().exchange.status == 0;
    }
  }
  return t;
}

} // namespace acx::deliver
