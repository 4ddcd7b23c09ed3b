#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "acx/acculynx/budget.hpp"
#include "acx/acculynx/subscription.hpp"
#include "acx/http/client.hpp"
#include "acx/util/error.hpp"

namespace acx::acculynx {

// The AccuLynx webhooks API base URL.
inline constexpr const char* k_default_api_base = "https://api.acculynx.com/webhooks/v2";

struct ApiOptions {
  std::string base = k_default_api_base;
  std::string api_key;
  BudgetRules budget;
  std::string budget_file;                     // shared by the user's acx processes; empty: this process's own
  std::chrono::milliseconds wait_429{600'000}; // 429s are waited out this long, then the call fails
  std::function<void(const std::string&)> say; // a line for a person: the first pause a 429 caused
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

// AccuLynx's APIs: the webhooks API (subscriptions and topics) at the base URL, and the REST API v2 beside it
// (origin + /api/v2). Every request passes the budget and, on 429, waits (Retry-After when given, backoff otherwise)
// and tries again, for up to wait_429. The API key is sent, never printed.
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
  // Asks AccuLynx to send a test event of `topic`; its eventId when the answer says it (the sandbox's does), else "".
  std::string test_event(const std::string& id, const std::string& topic);
  // Every topic, all pages.
  std::vector<TopicInfo> topics();

  // A call to `target` taken from the API's origin rather than its base path (the sandbox's /_sandbox routes),
  // within the budget and retried on 429 like the others. Returns the body of a 2xx answer; throws ApiError otherwise.
  std::string call_on_origin(const std::string& method, const std::string& target, const std::string& body = {});

  // The REST API v2: `target` is a path under it ("/jobs?pageSize=10"), or a full URL on the same origin (an item's
  // _link); a URL elsewhere is refused (acx::Error, usage), since the key would go with it. The answer's JSON.
  nlohmann::json rest(const std::string& method, const std::string& target, const std::string& body = {});
  // Every item of the list at `target`, page after page (by pageStartIndex or recordStartIndex, whichever the
  // answer uses), each given to `item` as it comes; returns how many.
  std::size_t each_item(const std::string& target, const std::function<void(const nlohmann::json&)>& item);
  // The REST API's base URL: origin + /api/v2.
  std::string rest_base() const;
  // How many requests this client has sent (429s and their retries included).
  std::size_t requests() const { return m_requests; }
  // How many requests waited: for the budget (more than 20 ms) or after a 429.
  std::size_t waits() const { return m_waits; }

private:
  // Within the budget, retried on 429; throws ApiError when the API cannot be reached or answers other than
  // `expected`.
  http::Exchange call(const std::string& method, const std::string& target, const std::string& body,
                      std::initializer_list<int> expected);
  // `target` as a path on this origin: under /api/v2, or taken from a URL on the same origin.
  std::string rest_target(const std::string& target) const;

  ApiOptions m_options;
  std::string m_origin; // scheme://host[:port]
  std::string m_prefix; // the base URL's path, e.g. /webhooks/v2
  std::unique_ptr<http::Client> m_client;
  std::unique_ptr<Budget> m_budget;
  bool m_said_pause = false;
  std::size_t m_requests = 0;
  std::size_t m_waits = 0;
};

// The REST API's path beside the webhooks API's.
inline constexpr const char* k_rest_path = "/api/v2";

} // namespace acx::acculynx
