#include "acx/acculynx/api.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "acx/deliver/retry.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::acculynx {

namespace {

using Json = nlohmann::json;

std::string string_of(const Json& j, std::initializer_list<const char*> keys)
{
  for (const char* k : keys) {
    if (j.contains(k) && j[k].is_string()) {
      return j[k].get<std::string>();
    }
  }
  return {};
}

std::vector<std::string> strings_of(const Json& j, const char* key)
{
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array()) {
    for (const auto& v : j[key]) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

SubscriptionInfo subscription_of(const Json& j)
{
  SubscriptionInfo s;
  s.id = string_of(j, {"id", "subscriptionId"});
  s.link = string_of(j, {"_link"});
  s.consumer_url = string_of(j, {"consumerUrl"});
  s.created = string_of(j, {"createdDate"});
  s.modified = string_of(j, {"modifiedDate"});
  s.status = string_of(j, {"status"});
  // The contact field is spelled three ways across the API.
  s.contact = string_of(j, {"tech_contact", "techContact", "technicalContact"});
  s.topics = strings_of(j, "topicNames");
  s.integration_type = string_of(j, {"integrationType"});
  return s;
}

Json parse_body(const http::Exchange& e, const char* what)
{
  auto j = Json::parse(e.body, nullptr, false);
  if (j.is_discarded()) {
    throw ApiError(e.status, fmt::format("{}: the API answered {} with a body that is not JSON", what, e.status));
  }
  return j;
}

} // namespace

std::string describe_problem(int status, const std::string& body)
{
  const auto j = Json::parse(body, nullptr, false);
  if (j.is_object() && (j.contains("title") || j.contains("detail"))) {
    const std::string title = string_of(j, {"title"});
    const std::string detail = string_of(j, {"detail"});
    const std::string trace = string_of(j, {"traceId"});
    return fmt::format("{}{}{} ({}{})", title, !title.empty() && !detail.empty() ? ": " : "", detail, status,
                       trace.empty() ? "" : ", " + trace);
  }
  return fmt::format("the API answered {}: {}", status, util::excerpt(util::trim(body), 120));
}

Api::Api(ApiOptions options) : m_options(std::move(options))
{
  std::string why;
  const auto url = util::parse_url(m_options.base, &why);
  if (!url) {
    throw Error(ExitCode::usage, fmt::format("API base URL '{}': {}", m_options.base, why));
  }
  if (m_options.api_key.empty()) {
    throw Error(ExitCode::usage, "no API key: give --api-key, set ACX_API_KEY, or store one in the profile");
  }
  m_prefix = url->target == "/" ? "" : url->target;
  while (!m_prefix.empty() && m_prefix.back() == '/') {
    m_prefix.pop_back();
  }
  m_client = std::make_unique<http::Client>(*url, m_options.client);
}

Api::~Api() = default;

http::Exchange Api::call(const std::string& method, const std::string& target, const std::string& body)
{
  thread_local std::mt19937_64 random{std::random_device{}()};
  deliver::RetryPolicy policy;
  policy.retries = m_options.retries_on_429;
  const util::Headers headers{{"Authorization", "Bearer " + m_options.api_key}, {"Accept", "application/json"}};
  for (int attempt = 1;; ++attempt) {
    {
      // Pace: at most requests_per_second from this process.
      std::unique_lock lock(m_pace_mutex);
      const auto now = std::chrono::steady_clock::now();
      const auto slot = std::max(now, m_next_slot);
      m_next_slot = slot + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                               std::chrono::duration<double>(1.0 / m_options.requests_per_second));
      lock.unlock();
      std::this_thread::sleep_until(slot);
    }
    http::Exchange e = m_client->request(method, m_prefix + target, headers, body);
    if (e.status == 0) {
      throw ApiError(0, fmt::format("cannot reach the API at {}: {}", m_options.base, e.error));
    }
    if (e.status != 429 || attempt > policy.retries) {
      return e;
    }
    std::optional<std::chrono::seconds> retry_after;
    if (const std::string* v = e.headers.find("Retry-After")) {
      retry_after = deliver::parse_retry_after(*v, util::now_unix());
    }
    std::this_thread::sleep_for(deliver::backoff(attempt, policy, retry_after, random));
  }
}

std::vector<SubscriptionInfo> Api::list(const std::string& status, int page_size)
{
  std::vector<SubscriptionInfo> out;
  for (int start = 0;; start += page_size) {
    const auto e =
        call("GET", fmt::format("/subscriptions?pageSize={}&pageStartIndex={}&subscriptionStatusQueryFilter={}",
                                page_size, start, util::percent_encode(status)));
    if (e.status != 200) {
      throw ApiError(e.status, describe_problem(e.status, e.body));
    }
    const auto page = parse_body(e, "list");
    const auto items = page.value("items", Json::array());
    for (const auto& item : items) {
      out.push_back(subscription_of(item));
    }
    const auto count = page.value("count", 0);
    if (items.empty() || static_cast<int>(out.size()) >= count) {
      return out;
    }
  }
}

Api::Created Api::create(const std::string& consumer_url, const std::string& contact,
                         const std::vector<std::string>& topics)
{
  const Json body{
      {"consumerUrl", consumer_url}, {"techContact", contact}, {"topicNames", topics}, {"integrationType", "Api"}};
  const auto e = call("POST", "/subscriptions", body.dump());
  if (e.status != 200 && e.status != 201) {
    throw ApiError(e.status, describe_problem(e.status, e.body));
  }
  const auto j = parse_body(e, "create");
  const std::string id = string_of(j, {"subscriptionId", "id"});
  if (id.empty()) {
    throw ApiError(e.status, "the API created a subscription but returned no subscriptionId");
  }
  return {id, string_of(j, {"secret"})};
}

SubscriptionInfo Api::show(const std::string& id)
{
  const auto e = call("GET", "/subscriptions/" + util::percent_encode(id));
  if (e.status != 200) {
    throw ApiError(e.status, describe_problem(e.status, e.body));
  }
  return subscription_of(parse_body(e, "show"));
}

void Api::update(const std::string& id, const std::string& contact, const std::vector<std::string>& topics)
{
  const Json body{{"technicalContact", contact}, {"topicNames", topics}};
  const auto e = call("PUT", "/subscriptions/" + util::percent_encode(id), body.dump());
  if (e.status != 204 && e.status != 200) {
    throw ApiError(e.status, describe_problem(e.status, e.body));
  }
}

void Api::remove(const std::string& id)
{
  const auto e = call("DELETE", "/subscriptions/" + util::percent_encode(id));
  if (e.status != 204 && e.status != 200) {
    throw ApiError(e.status, describe_problem(e.status, e.body));
  }
}

void Api::test_event(const std::string& id, const std::string& topic)
{
  const auto e = call("POST", "/subscriptions/" + util::percent_encode(id) + "/test-event", Json{{"topicName", topic}}.dump());
  if (e.status != 202 && e.status != 200 && e.status != 204) {
    throw ApiError(e.status, describe_problem(e.status, e.body));
  }
}

std::vector<TopicInfo> Api::topics()
{
  std::vector<TopicInfo> out;
  constexpr int page_size = 50;
  for (int start = 0;; start += page_size) {
    const auto e = call("GET", fmt::format("/topics?pageSize={}&pageStartIndex={}", page_size, start));
    if (e.status != 200) {
      throw ApiError(e.status, describe_problem(e.status, e.body));
    }
    const auto page = parse_body(e, "topics");
    const auto items = page.value("items", Json::array());
    for (const auto& item : items) {
      out.push_back({item.is_string() ? item.get<std::string>() : string_of(item, {"name", "topicName"}),
                     string_of(item, {"description"})});
    }
    if (items.empty() || static_cast<int>(out.size()) >= page.value("count", 0)) {
      return out;
    }
  }
}

} // namespace acx::acculynx
