#include "delivery_flags.hpp"

#include <fmt/format.h>
#include <mutex>
#include <nlohmann/json.hpp>

#include "acx/event/json_text.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::cli {

namespace {

// How much of a receiver's answer is shown: its diagnosis whole, a runaway page cut.
constexpr std::size_t k_shown_body = 4096;

double ms(std::chrono::microseconds d)
{
  return static_cast<double>(d.count()) / 1000.0;
}

std::string outcome(const http::Exchange& e)
{
  if (e.status == 0) {
    return fmt::format("{} after {:.1f} ms", e.error, ms(e.latency));
  }
  return fmt::format("{} in {:.1f} ms: {}", e.status, ms(e.latency), util::excerpt(util::trim(e.body), k_shown_body));
}

} // namespace

void add_delivery_options(CLI::App* cmd, DeliveryFlags& f)
{
  cmd->add_option("-H,--header", f.headers, "Extra header 'Name: value' (repeatable), or @FILE of such lines")
      ->allow_extra_args(false);
  add_duration_option(cmd, "--timeout", f.timeout, "Give up on an attempt after this long");
  cmd->add_option("--retries", f.retries, "Retries after a failed attempt (0: none); 410 and other 4xx stop at once")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_flag("-k,--insecure", f.insecure, "Do not verify the receiver's TLS certificate");
  add_format_option(cmd, f.format);
}

int deliver_and_report(const std::vector<deliver::Outgoing>& requests, const DeliveryFlags& f, std::size_t concurrency)
{
  http::ClientOptions client;
  client.timeout = f.timeout;
  client.verify_tls = !f.insecure;
  deliver::RetryPolicy policy;
  policy.retries = f.retries;

  std::mutex output;
  auto on_attempt = [&](const deliver::Outgoing& r, const deliver::Attempt& a) {
    if (f.format != Format::text) {
      return;
    }
    std::lock_guard lock(output);
    fmt::print("{} {} attempt {}{}: {}\n", r.event_id.substr(0, 8), r.topic, a.number,
               a.waited.count() > 0 ? fmt::format(" (after {} ms)", a.waited.count()) : std::string(),
               outcome(a.exchange));
    std::fflush(stdout);
  };
  const auto reports = deliver::deliver_all(requests, client, policy, concurrency, on_attempt);

  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto& rep = reports[i];
    if (rep.skipped) {
      continue;
    }
    if (f.format == Format::json) {
      auto attempts = nlohmann::ordered_json::array();
      for (const auto& a : rep.attempts) {
        nlohmann::ordered_json j{{"attempt", a.number},
                                 {"waitedMs", a.waited.count()},
                                 {"status", a.exchange.status},
                                 {"ms", ms(a.exchange.latency)}};
        if (a.exchange.status == 0) {
          j["error"] = a.exchange.error;
        } else {
          j["body"] = a.exchange.body.substr(0, k_shown_body); // JSON escapes it; bad UTF-8 becomes U+FFFD
          if (a.exchange.body.size() > k_shown_body) {
            j["bodyBytes"] = a.exchange.body.size();
          }
        }
        attempts.push_back(j);
      }
      nlohmann::ordered_json j{{"eventId", requests[i].event_id},
                               {"topic", requests[i].topic},
                               {"accepted", rep.accepted},
                               {"attempts", attempts}};
      if (!rep.accepted) {
        j["gaveUp"] = rep.gave_up;
      }
      fmt::print("{}", event::json_line(j));
    } else if (!rep.accepted) {
      fmt::print(stderr, "acx: {} {} not accepted: {}\n", requests[i].event_id.substr(0, 8), requests[i].topic,
                 rep.gave_up);
    }
  }
  const deliver::Tally t = deliver::tally(reports);
  if (t.skipped > 0) {
    fmt::print(stderr,
               "acx: stopped: {} events in a row could not reach the receiver; {} of {} were not sent (is it "
               "running, and is --to right?)\n",
               policy.unreachable_in_a_row, t.skipped, t.total);
    if (f.format == Format::json) {
      fmt::print("{}", event::json_line(nlohmann::ordered_json{{"stopped", "unreachable"}, {"notSent", t.skipped}}));
    }
  } else if (t.failed > 0) {
    fmt::print(stderr, "acx: {} of {} {} {} not accepted\n", t.failed, t.total,
               t.total == 1 ? "delivery" : "deliveries", t.failed == 1 ? "was" : "were");
  }
  return static_cast<int>(t.exit_code());
}

} // namespace acx::cli
