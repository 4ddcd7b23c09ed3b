#include "acx/acculynx/api.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"

#include <fmt/format.h>

#include "acx/acculynx/wire.hpp"
#include "acx/deliver/retry.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
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

// `target` with the query parameter `key` set to `value` (replaced if there).
std::string with_query(const std::string& target, const std::string& key, const std::string& value)
{
  const auto q = target.find('?');
  std::string path = target.substr(0, q);
  std::string kept;
  if (q != std::string::npos) {
    const std::string query = target.substr(q + 1); // split() gives views into it
    for (const auto part : util::split(query, '&')) {
      if (!part.empty() && part.substr(0, part.find('=')) != key) {
        kept += std::string(part) + "&";
      }
    }
  }
  return path + "?" + kept + key + "=" + value;
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
  m_origin = url->origin();
  m_prefix = url->target == "/" ? "" : url->target;
  while (!m_prefix.empty() && m_prefix.back() == '/') {
    m_prefix.pop_back();
  }
  http::ClientOptions co = m_options.client;
  co.max_answer = std::max<std::size_t>(co.max_answer, 4u << 20); // pages of subscriptions are read whole
  m_client = std::make_unique<http::Client>(*url, co);
  m_budget = std::make_unique<Budget>(m_options.budget_file, m_options.budget);
}

Api::~Api() = default;

namespace {

// Whether a 429 is about the address rather than the key: its problem details say so (AccuLynx's limit per source
// address, and the ban past it, hold every key).
bool about_the_address(const http::Exchange& e)
{
  const std::string text = util::to_lower(e.body);
  return text.find("address") != std::string::npos || text.find(" ip") != std::string::npos;
}

} // namespace

http::Exchange Api::call(const std::string& method, const std::string& target, const std::string& body,
                         std::initializer_list<int> expected)
{
  const util::Headers headers{{"Authorization", "Bearer " + m_options.api_key}, {"Accept", "application/json"}};
  const auto began = std::chrono::steady_clock::now();
  http::Exchange e;
  for (;;) {
    const auto asked = std::chrono::steady_clock::now();
    const auto slot = m_budget->take(m_options.api_key);
    m_waits += std::chrono::steady_clock::now() - asked > std::chrono::milliseconds(20) ? 1 : 0;
    e = m_client->request(method, target, headers, body);
    ++m_requests;
    const std::string* said = e.status == 429 ? e.headers.find("Retry-After") : nullptr;
    const auto retry_after = said ? deliver::parse_retry_after(*said, util::now_unix()) : std::nullopt;
    const auto pause = m_budget->done(slot, e.status, e.status == 429 && about_the_address(e), retry_after);
    // Only 429 is tried again: a refused or failed registration sent twice could register twice.
    if (!pause || std::chrono::steady_clock::now() - began + pause->wait > m_options.wait_429) {
      break;
    }
    ++m_waits;
    if (!m_said_pause && m_options.say) {
      m_said_pause = true;
      m_options.say(fmt::format("the API at {} answered 429 (too many requests): every acx request with {} waits {} "
                                "and tries again, for up to {} in all",
                                m_origin, pause->every_key ? "any key from this machine" : "this key",
                                util::format_duration(pause->wait), util::format_duration(m_options.wait_429)));
    }
  }
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

std::string Api::rest_base() const
{
  return m_origin + k_rest_path;
}

std::string Api::rest_target(const std::string& target) const
{
  if (target.starts_with("/")) {
    return k_rest_path + target;
  }
  const auto url = util::parse_url(target);
  if (!url || url->origin() != m_origin) {
    throw Error(ExitCode::usage, fmt::format("'{}' is neither a path under {} nor a URL on {}: acx sends its API key "
                                             "nowhere else",
                                             util::excerpt(target), rest_base(), m_origin));
  }
  return url->target;
}

nlohmann::json Api::rest(const std::string& method, const std::string& target, const std::string& body)
{
  return parse_body(call(method, rest_target(target), body, {200, 201, 202}), "the REST API");
}

std::size_t Api::each_item(const std::string& target, const std::function<void(const nlohmann::json&)>& item)
{
  std::size_t seen = 0;
  std::string next = target;
  for (;;) {
    const auto e = call("GET", rest_target(next), {}, {200});
    const auto page = parse_body(e, "the REST API");
    auto [items, more] = page_of(e, "the REST API", seen);
    for (const auto& i : items) {
      item(i);
    }
    seen += items.size();
    // The next page: the start parameter the answer named, moved past what came.
    const char* start = page.contains(wire::k_record_start) ? wire::k_record_start : wire::k_page_start;
    if (!more || !page.contains(start) || !page[start].is_number_integer()) {
      return seen;
    }
    next = with_query(target, start,
                      std::to_string(page[start].get<std::int64_t>() + static_cast<std::int64_t>(items.size())));
  }
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

std::string Api::test_event(const std::string& id, const std::string& topic)
{
  const auto e = call("POST", m_prefix + path_of(id) + "/test-event", event::json_text(wire::test_event_json(topic)),
                      {202, 200, 204});
  const auto j = nlohmann::json::parse(e.body, nullptr, false);
  const auto it = j.is_object() ? j.find("eventId") : j.end();
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
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
