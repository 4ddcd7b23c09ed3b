#include "acx/sandbox/routes.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/acculynx/wire.hpp"
#include "acx/event/edit.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/event/topics.hpp"
#include "acx/sandbox/admin.hpp"
#include "acx/sandbox/deliverer.hpp"
#include "acx/sandbox/store.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::sandbox {

namespace {

namespace wire = acculynx::wire;
using http::Request;
using http::Response;

Response json(int status, const nlohmann::ordered_json& body)
{
  return {status, "application/json; charset=utf-8", event::json_text(body), {}};
}

Response no_content()
{
  return {204, "text/plain", "", {}};
}

Response problem(int status, const std::string& title, const std::string& detail)
{
  return json(status, wire::problem_json(status, title, detail, util::hex_encode(util::random_bytes(8))));
}

Response not_found(const std::string& id)
{
  return problem(404, "Not Found", fmt::format("no subscription {}", util::excerpt(id)));
}

// An integer query parameter: `fallback` when absent, -1 when not a number.
int query_int(const Request& r, const std::string& key, int fallback)
{
  const auto it = r.query.find(key);
  if (it == r.query.end()) {
    return fallback;
  }
  try {
    return std::stoi(it->second);
  } catch (const std::exception&) {
    return -1;
  }
}

std::string query_string(const Request& r, const std::string& key)
{
  const auto it = r.query.find(key);
  return it == r.query.end() ? std::string() : it->second;
}

// The page the query asks for, [start, start + size), or nullopt when its numbers are out of range.
std::optional<std::pair<int, int>> page_asked(const Request& r)
{
  const int size = query_int(r, "pageSize", 25);
  const int start = query_int(r, "pageStartIndex", 0);
  if (size < 1 || size > 100 || start < 0) {
    return std::nullopt;
  }
  return std::pair{start, size};
}

Response bad_page()
{
  return problem(400, "Bad Request", "pageSize must be 1 to 100 and pageStartIndex 0 or more");
}

// One page of `all`, each written by `write`.
template <class T, class Write> Response page(const std::vector<T>& all, std::pair<int, int> asked, Write write)
{
  const auto [start, size] = asked;
  auto items = wire::Json::array();
  for (std::size_t i = static_cast<std::size_t>(start); i < all.size() && items.size() < static_cast<std::size_t>(size);
       ++i) {
    items.push_back(write(all[i]));
  }
  return json(200, wire::page_json(all.size(), size, start, std::move(items)));
}

// A 412 for topic names the catalog does not know, or nullopt.
std::optional<Response> unknown_topics(const std::vector<std::string>& topics)
{
  std::vector<std::string> unknown;
  for (const auto& t : topics) {
    if (!event::find_topic(t)) {
      unknown.push_back(util::excerpt(t));
    }
  }
  if (unknown.empty()) {
    return std::nullopt;
  }
  return problem(412, "Precondition Failed", fmt::format("unknown topic names: {}", fmt::join(unknown, ", ")));
}

Response unknown_fixture(const std::string& topic)
{
  return problem(412, "Precondition Failed", fmt::format("unknown topic name '{}'", util::excerpt(topic)));
}

nlohmann::json body_of(const Request& r)
{
  return event::parse_untrusted(r.body);
}

util::Digest key_digest(const std::string& key)
{
  return util::hmac_sha256(util::as_bytes("acx-sandbox-api-key"), {key});
}

} // namespace

bool RateLimiter::allow(const std::string& key, std::int64_t second)
{
  std::lock_guard lock(m_mutex);
  auto& [window, count] = m_windows[key];
  if (window != second) {
    window = second;
    count = 0;
  }
  return ++count <= m_limit;
}

Routes::Routes(Store& store, Deliverer& deliverer, const Options& options)
    : m_store(store), m_deliverer(deliverer), m_options(options), m_limiter(options.requests_per_second)
{
  for (const auto& k : options.api_keys) {
    m_key_digests.push_back(key_digest(k));
  }
}

std::vector<http::Route> Routes::routes()
{
  const std::string api = k_base_path;
  return {
      {"GET", api + "/subscriptions", guarded(&Routes::list_subscriptions)},
      {"POST", api + "/subscriptions", guarded(&Routes::create_subscription)},
      {"GET", api + "/subscriptions/{id}", guarded(&Routes::show_subscription)},
      {"PUT", api + "/subscriptions/{id}", guarded(&Routes::change_subscription)},
      {"DELETE", api + "/subscriptions/{id}", guarded(&Routes::delete_subscription)},
      {"POST", api + "/subscriptions/{id}/test-event", guarded(&Routes::test_event)},
      {"GET", api + "/topics", guarded(&Routes::list_topics)},
      {"POST", admin::k_emit, guarded(&Routes::emit)},
      {"GET", admin::k_deliveries, guarded(&Routes::deliveries)},
  };
}

http::Handler Routes::guarded(Call call)
{
  return [this, call](Request r) -> Response {
    const std::string* auth = r.headers.find("Authorization");
    std::string key;
    if (auth && util::to_lower(auth->substr(0, 7)) == "bearer ") {
      key = std::string(util::trim(auth->substr(7)));
    }
    // Compared through a keyed digest, so the time taken says nothing of the keys' lengths or contents.
    const auto presented = key_digest(key);
    bool known = false;
    for (const auto& k : m_key_digests) {
      known = util::constant_time_equal(k, presented) || known;
    }
    if (!known) {
      return problem(401, "Unauthorized", "a valid API key is required: Authorization: Bearer <key>");
    }
    if (!m_limiter.allow(key, util::now_unix())) {
      auto res =
          problem(429, "Too Many Requests",
                  fmt::format("more than {} requests a second with this API key", m_options.requests_per_second));
      res.headers.add("Retry-After", "1");
      return res;
    }
    try {
      return (this->*call)(r, key);
    } catch (const wire::BadBody& e) {
      return problem(400, "Bad Request", e.what());
    }
  };
}

std::string Routes::base_url(const Request& r) const
{
  const std::string* host = r.headers.find("Host");
  return fmt::format("http://{}{}", host && !host->empty() ? util::excerpt(*host, 255) : m_options.host, k_base_path);
}

Response Routes::list_subscriptions(const Request& r, const std::string& key)
{
  const auto asked = page_asked(r);
  if (!asked) {
    return bad_page();
  }
  const std::string filter = query_string(r, "subscriptionStatusQueryFilter");
  std::vector<acculynx::Subscription> selected;
  for (auto& kept : m_store.list(key)) {
    const bool active = kept.subscription.status == "enabled";
    if (filter.empty() || util::iequals(filter, "All") || (util::iequals(filter, "Active") && active) ||
        (util::iequals(filter, "Inactive") && !active)) {
      selected.push_back(std::move(kept.subscription));
    }
  }
  const std::string base = base_url(r);
  return page(selected, *asked,
              [&](const acculynx::Subscription& s) { return wire::to_json(s, base + "/subscriptions/" + s.id); });
}

Response Routes::create_subscription(const Request& r, const std::string& key)
{
  const auto asked = wire::registration_from(body_of(r));
  std::string why;
  if (!util::parse_url(asked.consumer_url, &why)) {
    return problem(400, "Bad Request", fmt::format("consumerUrl is not a valid URL: {}", why));
  }
  if (auto refused = unknown_topics(asked.topics)) {
    return *refused;
  }
  Stored kept;
  auto& s = kept.subscription;
  s.id = util::new_guid();
  s.consumer_url = asked.consumer_url;
  s.contact = asked.contact;
  s.topics = asked.topics;
  s.integration_type = asked.integration_type;
  s.created = s.modified = util::format_rfc3339(util::now());
  kept.owner = key;
  kept.secret = signing::new_secret(signing::Kind::standard);
  m_store.put(kept);
  // The secret is returned at registration only when deliveries are signed with it.
  return json(200, wire::to_json(acculynx::Created{s.id, m_options.sign_standard ? kept.secret : ""}));
}

Response Routes::show_subscription(const Request& r, const std::string& key)
{
  const auto kept = m_store.get(key, r.params[0]);
  return kept ? json(200, wire::to_json(kept->subscription, base_url(r) + "/subscriptions/" + kept->subscription.id))
              : not_found(r.params[0]);
}

Response Routes::change_subscription(const Request& r, const std::string& key)
{
  auto kept = m_store.get(key, r.params[0]);
  if (!kept) {
    return not_found(r.params[0]);
  }
  auto& s = kept->subscription;
  const auto change = wire::change_from(body_of(r), s.contact);
  if (auto refused = unknown_topics(change.topics)) {
    return *refused;
  }
  s.topics = change.topics;
  s.contact = change.contact;
  s.modified = util::format_rfc3339(util::now());
  m_store.put(*kept);
  return no_content();
}

Response Routes::delete_subscription(const Request& r, const std::string& key)
{
  return m_store.remove(key, r.params[0]) ? no_content() : not_found(r.params[0]);
}

Response Routes::test_event(const Request& r, const std::string& key)
{
  const auto kept = m_store.get(key, r.params[0]);
  if (!kept) {
    return not_found(r.params[0]);
  }
  const std::string topic = wire::topic_from(body_of(r));
  if (!event::find_fixture(topic)) {
    return unknown_fixture(topic);
  }
  auto [body, id] = event::fixture_event(topic, util::now(), kept->subscription.id, {});
  m_deliverer.enqueue(*kept, std::move(body), id, topic);
  return json(202, {{"eventId", id}});
}

Response Routes::list_topics(const Request& r, const std::string&)
{
  const auto asked = page_asked(r);
  if (!asked) {
    return bad_page();
  }
  std::vector<acculynx::TopicInfo> live;
  for (const auto& t : event::topics()) {
    if (!t.legacy) {
      live.push_back({std::string(t.name), std::string(t.description)});
    }
  }
  return page(live, *asked, [](const acculynx::TopicInfo& t) { return wire::to_json(t); });
}

Response Routes::emit(const Request& r, const std::string& key)
{
  const Emit asked = admin::emit_from(body_of(r));
  if (!event::find_fixture(asked.topic)) {
    return unknown_fixture(asked.topic);
  }
  std::vector<Emitted> queued;
  try {
    for (const auto& kept : m_store.list(key)) {
      const auto& s = kept.subscription;
      const bool wanted = asked.subscription_id.empty()
                              ? std::find(s.topics.begin(), s.topics.end(), asked.topic) != s.topics.end()
                              : s.id == asked.subscription_id;
      if (wanted && s.status == "enabled") {
        auto [body, id] = event::fixture_event(asked.topic, util::now(), s.id, asked.assignments);
        m_deliverer.enqueue(kept, std::move(body), id, asked.topic);
        queued.push_back({s.id, id});
      }
    }
  } catch (const Error& e) { // a --set that does not apply
    return problem(400, "Bad Request", e.what());
  }
  return json(202, admin::to_json(queued));
}

Response Routes::deliveries(const Request& r, const std::string& key)
{
  return json(200, admin::to_json(m_store.attempts(key, query_string(r, "subscriptionId"))));
}

} // namespace acx::sandbox
