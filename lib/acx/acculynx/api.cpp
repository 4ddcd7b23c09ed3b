#include "acx/acculynx/api.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"

#include <fmt/format.h>
#include <random>
#include <thread>

#include "acx/acculynx/wire.hpp"
#include "acx/deliver/retry.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/url.hpp"

namespace acx::acculynx {

namespace {

nlohmann::json parse_body(const http::Exchange& e, const char* what)
{
  auto j = event::parse_untrusted(e.body);
  if (j.is_discarded()) {
    throw ApiError(e.status, fmt::format("{}: the API answered {} with a body that is not JSON", what, e.status));
  }
  return j;
}

// The items of one page of a list, and whether another page follows `seen` items so far.
std::pair<nlohmann::json, bool> page_of(const http::Exchange& e, const char* what, std::size_t seen)
{
  const auto page = parse_body(e, what);
  nlohmann::json items = nlohmann::json::array();
  std::int64_t count = 0;
  if (page.is_object()) {
    if (const auto it = page.find("items"); it != page.end() && it->is_array()) {
      items = *it;
    }
    if (const auto it = page.find("count"); it != page.end() && it->is_number_integer()) {
      count = it->get<std::int64_t>();
    }
  }
  const bool more = !items.empty() && static_cast<std::int64_t>(seen + items.size()) < count;
  return {std::move(items), more};
}

std::string path_of(const std::string& id)
{
  return "/subscriptions/" + util::percent_encode(id);
}

} // namespace

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
  http::ClientOptions co = m_options.client;
  co.max_answer = std::max<std::size_t>(co.max_answer, 4u << 20); // pages of subscriptions are read whole
  m_client = std::make_unique<http::Client>(*url, co);
}

Api::~Api() = default;

http::Exchange Api::call(const std::string& method, const std::string& target, const std::string& body,
                         std::initializer_list<int> expected)
{
  thread_local std::mt19937_64 random{std::random_device{}()};
  deliver::RetryPolicy policy;
  policy.retries = m_options.retries_on_429;
  const util::Headers headers{{"Authorization", "Bearer " + m_options.api_key}, {"Accept", "application/json"}};
  const http::Exchange e = deliver::keep_trying(
      [&](int, std::chrono::milliseconds) {
        // Pace: at most requests_per_second from this process.
        std::unique_lock lock(m_pace_mutex);
        const auto slot = std::max(std::chrono::steady_clock::now(), m_next_slot);
        m_next_slot = slot + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(1.0 / m_options.requests_per_second));
        lock.unlock();
        std::this_thread::sleep_until(slot);
        return m_client->request(method, target, headers, body);
      },
      [&](const http::Exchange& answer, int n) {
        // Only 429 is tried again: a refused or failed registration sent twice could register twice.
        return answer.status == 429 ? deliver::retry_wait(answer, n, policy, random) : std::nullopt;
      });
  if (e.truncated) {
    throw ApiError(e.status, fmt::format("the API at {} answered more than {} bytes", m_options.base, e.body.size()));
  }
  if (e.status == 0) {
    throw ApiError(0, fmt::format("cannot reach the API at {}: {}", m_options.base, e.error));
  }
  if (std::find(expected.begin(), expected.end(), e.status) == expected.end()) {
    throw ApiError(e.status, wire::describe_problem(e.status, e.body));
  }
  return e;
}

std::string Api::call_on_origin(const std::string& method, const std::string& target, const std::string& body)
{
  return call(method, target, body, {200, 201, 202, 204}).body;
}

std::vector<Subscription> Api::list(const std::string& status, int page_size)
{
  std::vector<Subscription> out;
  for (int start = 0;; start += page_size) {
    const auto e =
        call("GET",
             m_prefix + fmt::format("/subscriptions?pageSize={}&pageStartIndex={}&subscriptionStatusQueryFilter={}",
                                    page_size, start, util::percent_encode(status)),
             {}, {200});
    auto [items, more] = page_of(e, "list", out.size());
    for (const auto& item : items) {
      out.push_back(wire::subscription_from(item));
    }
    if (!more) {
      return out;
    }
  }
}

Created Api::create(const Registration& registration)
{
  const auto e = call("POST", m_prefix + "/subscriptions", event::json_text(wire::to_json(registration)), {200, 201});
  Created created = wire::created_from(parse_body(e, "create"));
  if (created.id.empty()) {
    throw ApiError(e.status, "the API created a subscription but returned no subscriptionId");
  }
  return created;
}

Subscription Api::show(const std::string& id)
{
  return wire::subscription_from(parse_body(call("GET", m_prefix + path_of(id), {}, {200}), "show"));
}

void Api::update(const std::string& id, const Change& change)
{
  call("PUT", m_prefix + path_of(id), event::json_text(wire::to_json(change)), {204, 200});
}

void Api::remove(const std::string& id)
{
  call("DELETE", m_prefix + path_of(id), {}, {204, 200});
}

void Api::test_event(const std::string& id, const std::string& topic)
{
  call("POST", m_prefix + path_of(id) + "/test-event", event::json_text(wire::test_event_json(topic)), {202, 200, 204});
}

std::vector<TopicInfo> Api::topics()
{
  std::vector<TopicInfo> out;
  constexpr int page_size = 50;
  for (int start = 0;; start += page_size) {
    const auto e =
        call("GET", m_prefix + fmt::format("/topics?pageSize={}&pageStartIndex={}", page_size, start), {}, {200});
    auto [items, more] = page_of(e, "topics", out.size());
    for (const auto& item : items) {
      out.push_back(wire::topic_info_from(item));
    }
    if (!more) {
      return out;
    }
  }
}

} // namespace acx::acculynx
