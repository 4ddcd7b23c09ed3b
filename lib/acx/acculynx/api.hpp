#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "acx/http/client.hpp"
#include "acx/util/error.hpp"

namespace acx::acculynx {

// The AccuLynx webhooks API base URL.
inline constexpr const char* k_default_api_base = "https://api.acculynx.com/webhooks/v2";

struct ApiOptions {
  std::string base = k_default_api_base;
  std::string api_key;
  double requests_per_second = 10; // AccuLynx allows 10 per key
  int retries_on_429 = 6;
  http::ClientOptions client;
};

// A subscription as the API shows it.
struct SubscriptionInfo {
  std::string id;
  std::string link;
  std::string consumer_url;
  std::string created;
  std::string modified;
  std::string status; // "enabled" or "disabled"
  std::string contact;
  std::vector<std::string> topics;
  std::string integration_type;
};

struct TopicInfo {
  std::string name;
  std::string description;
};

// A refusal by the API, from its problem details: says "title: detail (status, traceId)".
class ApiError : public Error {
public:
  ApiError(int status, const std::string& what)
      : Error(status == 0 ? ExitCode::network : ExitCode::failed, what), m_status(status)
  {
  }
  int status() const { return m_status; }

private:
  int m_status;
};

// The AccuLynx webhooks API: subscriptions and topics. Paces itself to `requests_per_second` and, on 429, waits
// (Retry-After when given, backoff otherwise) and tries again. The API key is sent, never printed.
class Api {
public:
  explicit Api(ApiOptions options);
  ~Api();

  // Every subscription, all pages; `status` is All, Active or Inactive.
  std::vector<SubscriptionInfo> list(const std::string& status = "All", int page_size = 25);
  // What registering returns: the new subscription's id, and the secret deliveries will be signed with, when the
  // API signs them (acx sandbox --sign standard; AccuLynx itself signs nothing today).
  struct Created {
    std::string id;
    std::string secret;
  };
  // Registers a consumer URL.
  Created create(const std::string& consumer_url, const std::string& contact, const std::vector<std::string>& topics);
  SubscriptionInfo show(const std::string& id);
  void update(const std::string& id, const std::string& contact, const std::vector<std::string>& topics);
  void remove(const std::string& id);
  void test_event(const std::string& id, const std::string& topic);
  // Every topic, all pages.
  std::vector<TopicInfo> topics();

private:
  http::Exchange call(const std::string& method, const std::string& target, const std::string& body = {});

  ApiOptions m_options;
  std::string m_prefix; // the base URL's path, e.g. /webhooks/v2
  std::unique_ptr<http::Client> m_client;
  std::mutex m_pace_mutex;
  std::chrono::steady_clock::time_point m_next_slot{};
};

// Builds the message of a failed call from a problem-details body: "title: detail (status, traceId)".
std::string describe_problem(int status, const std::string& body);

} // namespace acx::acculynx
