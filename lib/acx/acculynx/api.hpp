#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "acx/acculynx/subscription.hpp"
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
  std::vector<Subscription> list(const std::string& status = "All", int page_size = 25);
  // Registers a consumer URL.
  Created create(const Registration& registration);
  Subscription show(const std::string& id);
  void update(const std::string& id, const Change& change);
  void remove(const std::string& id);
  void test_event(const std::string& id, const std::string& topic);
  // Every topic, all pages.
  std::vector<TopicInfo> topics();

  // A call to `target` taken from the API's origin rather than its base path (the sandbox's /_sandbox routes),
  // paced and retried on 429 like the others. Returns the body of a 2xx answer; throws ApiError otherwise.
  std::string call_on_origin(const std::string& method, const std::string& target, const std::string& body = {});

private:
  // Paced, retried on 429; throws ApiError when the API cannot be reached or answers other than `expected`.
  http::Exchange call(const std::string& method, const std::string& target, const std::string& body,
                      std::initializer_list<int> expected);

  ApiOptions m_options;
  std::string m_prefix; // the base URL's path, e.g. /webhooks/v2
  std::unique_ptr<http::Client> m_client;
  std::mutex m_pace_mutex;
  std::chrono::steady_clock::time_point m_next_slot{};
};

} // namespace acx::acculynx
