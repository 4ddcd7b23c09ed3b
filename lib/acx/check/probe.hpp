#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "acx/contract/vary.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/headers.hpp"

namespace acx::check {

// Whom acx check judges, and how it reaches them.
struct Settings {
  std::string url;               // the receiver, without its credential: the token scheme adds ?token=
  signing::SchemeOptions scheme; // name resolved (token, standard, hmac, github, shopify, none) and secrets
  bool token_in_path = false;    // the token is one more path segment (a subscription made with --secret-in path)
  std::optional<std::string> subscription;   // every envelope carries this subscriptionId; enables the allow-list check
  std::chrono::milliseconds timeout{10'000}; // AccuLynx gives a receiver 10 s
  std::size_t burst = 100;
  std::size_t concurrency = 10;
  std::string processed; // a command that prints how many times the receiver processed $ACX_EVENT_ID
  bool insecure = false;
  util::Headers headers; // -H: added to every request
};

// How a delivery carries its credential.
enum class Credential { valid, missing, wrong };

// One request to make.
struct Delivery {
  std::string what; // "job_created", "an empty body", ...
  std::string body;
  std::string event_id;
  Credential credential = Credential::valid;
  std::chrono::seconds skew{0}; // the signature's timestamp moved by this much
  bool tamper = false;          // the body changed after signing
  std::string method = "POST";
  util::Headers headers; // more headers (a Content-Type here replaces application/json)
  // Applied to the signature headers before sending (rotation: more signatures in one header).
  std::string extra_signature;
};

// One request made, and what came back.
struct Sent {
  std::string what;
  std::string method;
  std::string url; // the token hidden
  int status = 0;  // 0: no answer (error says why)
  std::chrono::microseconds latency{0};
  std::string answer; // the first 200 bytes
  std::string error;
  bool timed_out = false;
  bool aborted = false; // cut short by Ctrl-C

  bool ok() const { return status >= 200 && status < 300; }
  bool refused() const { return status >= 400 && status < 500; }
  bool server_error() const { return status >= 500; }
  // "401 in 2.1 ms", "timed out after 10000 ms", "connection refused"
  std::string outcome() const;
};

// Makes envelopes and delivers them to the receiver, signed as the settings say; remembers every 3xx answer.
class Probe {
public:
  // Requests under way end as "interrupted" (status 0) once `stop` is asked.
  explicit Probe(Settings settings, std::stop_token stop = {});

  const Settings& settings() const { return m_settings; }
  // A topic's fixture, fresh (a new eventId and time, moved by `skew`), with the --subscription, then `assignments`.
  Delivery fixture(const std::string& topic, const std::vector<std::string>& assignments = {},
                   std::chrono::seconds skew = std::chrono::seconds(0)) const;
  // Any body, signed as a valid delivery would be.
  Delivery raw(std::string what, std::string body) const;
  // A topic's fixture varied as AccuLynx may without warning (acx send --drift).
  Delivery varied(const std::string& topic, contract::Variation v) const;

  Sent send(const Delivery& d);
  // Sends every delivery, `concurrency` at a time, none after the first timeout; the answers in the deliveries'
  // order (fewer than the deliveries when a timeout stopped it).
  std::vector<Sent> send_all(const std::vector<Delivery>& deliveries, std::size_t concurrency);

  std::size_t requests_made() const;
  // The deliveries so far answered with a redirect.
  std::vector<Sent> redirects() const;

private:
  Settings m_settings;
  std::stop_token m_stop;
  mutable std::mutex m_mutex;
  std::size_t m_requests = 0;
  std::vector<Sent> m_redirects;
};

} // namespace acx::check
