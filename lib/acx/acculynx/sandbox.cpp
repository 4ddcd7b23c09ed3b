#include "acx/acculynx/sandbox.hpp"

#include <csignal>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "acx/acculynx/sandbox_deliverer.hpp"
#include "acx/acculynx/sandbox_store.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/event/topics.hpp"
#include "acx/http/server.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/io.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/service.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::acculynx {

namespace {

using Json = nlohmann::ordered_json;
using http::Request;
using http::Response;

Response json(int status, const Json& body)
{
  return {status, "application/json; charset=utf-8", body.dump(), {}};
}

Response problem(int status, const std::string& title, const std::string& detail)
{
  return json(status, {{"type", fmt::format("https://httpstatuses.io/{}", status)},
                       {"title", title},
                       {"status", status},
                       {"detail", detail},
                       {"traceId", util::hex_encode(util::random_bytes(8))}});
}

Json subscription_json(const StoredSubscription& s, const std::string& base)
{
  return {{"id", s.id},
          {"_link", base + "/subscriptions/" + s.id},
          {"consumerUrl", s.consumer_url},
          {"createdDate", s.created},
          {"modifiedDate", s.modified},
          {"status", s.status},
          {"tech_contact", s.contact},
          {"topicNames", s.topics},
          {"integrationType", s.integration_type}};
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

// Topic names the catalog does not know, or empty.
std::vector<std::string> unknown_topics(const std::vector<std::string>& topics)
{
  std::vector<std::string> out;
  for (const auto& t : topics) {
    if (!event::find_topic(t)) {
      out.push_back(t);
    }
  }
  return out;
}

// A fixed-window limiter per API key.
class RateLimiter {
public:
  explicit RateLimiter(double per_second) : m_limit(static_cast<int>(per_second)) {}
  bool allow(const std::string& key)
  {
    std::lock_guard lock(m_mutex);
    const auto second = util::now_unix();
    auto& [window, count] = m_windows[key];
    if (window != second) {
      window = second;
      count = 0;
    }
    return ++count <= m_limit;
  }

private:
  int m_limit;
  std::mutex m_mutex;
  std::map<std::string, std::pair<std::int64_t, int>> m_windows;
};

// A request the API refuses as malformed: answered 400 with the message.
struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The string member `key` of a JSON object; `fallback` when absent or null; a BadRequest when it is not a string.
std::string text_field(const nlohmann::json& j, const char* key, const std::string& fallback = "")
{
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) {
    return fallback;
  }
  if (!j[key].is_string()) {
    throw BadRequest(fmt::format("{} must be a string, not {}", key, j[key].type_name()));
  }
  return j[key].get<std::string>();
}

// The technical contact: AccuLynx's documents name it techContact and technicalContact; both are taken.
std::string contact_field(const nlohmann::json& j, const std::string& fallback)
{
  return text_field(j, "techContact", text_field(j, "technicalContact", fallback));
}

util::Digest key_digest(const std::string& key)
{
  return util::hmac_sha256(util::as_bytes("acx-sandbox-api-key"), {key});
}

} // namespace

ExitCode run_sandbox(const SandboxOptions& given)
{
  SandboxOptions o = given;
  sigset_t signals = util::block_stop_signals();

  if (o.data_dir.empty()) {
    o.data_dir = util::xdg_path("XDG_STATE_HOME", ".local/state", "sandbox", "--data-dir");
  }
  if (o.api_keys.empty()) {
    o.api_keys.push_back("sbx_" + util::hex_encode(util::random_bytes(16)));
    fmt::print("{}\n", o.api_keys.back()); // data: the key scripts need
    std::fflush(stdout);
  }
  SandboxStore store(o.data_dir);
  Deliverer deliverer(store, o);
  RateLimiter limiter(o.requests_per_second);
  const std::string base_path = "/webhooks/v2";
  // Links point back the way the client came (its Host header), so they are right behind any address or proxy and
  // no handler reads state written after the server started.
  auto base_url_of = [&](const Request& r) {
    const std::string* host = r.headers.find("Host");
    return fmt::format("http://{}{}", host && !host->empty() ? util::excerpt(*host, 255) : o.host, base_path);
  };

  std::vector<util::Digest> key_digests;
  for (const auto& k : o.api_keys) {
    key_digests.push_back(key_digest(k));
  }

  // Every API call: the key, then the rate limit; a BadRequest thrown by the handler is a 400 problem.
  auto guarded = [&](auto handler) {
    return [&, handler](Request r) -> Response {
      const std::string* auth = r.headers.find("Authorization");
      std::string key;
      if (auth && util::to_lower(auth->substr(0, 7)) == "bearer ") {
        key = std::string(util::trim(auth->substr(7)));
      }
      // Compared through a keyed digest, so the time taken says nothing of the keys' lengths or contents.
      const auto presented = key_digest(key);
      bool known = false;
      for (const auto& k : key_digests) {
        known = util::constant_time_equal(k, presented) || known;
      }
      if (!known) {
        return problem(401, "Unauthorized", "a valid API key is required: Authorization: Bearer <key>");
      }
      if (!limiter.allow(key)) {
        auto res = problem(429, "Too Many Requests",
                           fmt::format("more than {} requests a second with this API key", o.requests_per_second));
        res.headers.add("Retry-After", "1");
        return res;
      }
      try {
        return handler(r, key);
      } catch (const BadRequest& e) {
        return problem(400, "Bad Request", e.what());
      }
    };
  };

  auto parse_json_body = [](const Request& r) { return nlohmann::json::parse(r.body, nullptr, false); };
  auto string_list = [](const nlohmann::json& j, const char* key, std::vector<std::string>& out) {
    if (!j.contains(key) || !j[key].is_array() || j[key].empty()) {
      return false;
    }
    for (const auto& v : j[key]) {
      if (!v.is_string()) {
        return false;
      }
      out.push_back(v.get<std::string>());
    }
    return true;
  };

  std::vector<http::Route> routes;
  routes.push_back(
      {"GET", base_path + "/subscriptions", guarded([&](const Request& r, const std::string& key) {
         const int size = query_int(r, "pageSize", 25);
         const int start = query_int(r, "pageStartIndex", 0);
         const std::string filter = query_string(r, "subscriptionStatusQueryFilter");
         if (size < 1 || size > 100 || start < 0) {
           return problem(400, "Bad Request", "pageSize must be 1 to 100 and pageStartIndex 0 or more");
         }
         std::vector<StoredSubscription> selected;
         for (auto& s : store.list(key)) {
           const bool active = s.status == "enabled";
           if (filter.empty() || util::iequals(filter, "All") || (util::iequals(filter, "Active") && active) ||
               (util::iequals(filter, "Inactive") && !active)) {
             selected.push_back(std::move(s));
           }
         }
         auto items = Json::array();
         for (std::size_t i = static_cast<std::size_t>(start);
              i < selected.size() && items.size() < static_cast<std::size_t>(size); ++i) {
           items.push_back(subscription_json(selected[i], base_url_of(r)));
         }
         return json(200,
                     {{"count", selected.size()}, {"pageSize", size}, {"pageStartIndex", start}, {"items", items}});
       })});
  routes.push_back({"POST", base_path + "/subscriptions", guarded([&](const Request& r, const std::string& key) {
                      const auto j = parse_json_body(r);
                      if (!j.is_object()) {
                        return problem(400, "Bad Request", "the body must be a JSON object");
                      }
                      const std::string url = text_field(j, "consumerUrl");
                      std::string why;
                      if (!util::parse_url(url, &why)) {
                        return problem(400, "Bad Request", fmt::format("consumerUrl is not a valid URL: {}", why));
                      }
                      std::vector<std::string> topics;
                      if (!string_list(j, "topicNames", topics)) {
                        return problem(400, "Bad Request", "topicNames must be a non-empty array of topic names");
                      }
                      if (const auto unknown = unknown_topics(topics); !unknown.empty()) {
                        return problem(412, "Precondition Failed",
                                       fmt::format("unknown topic names: {}", fmt::join(unknown, ", ")));
                      }
                      StoredSubscription s;
                      s.id = util::new_guid();
                      s.owner = key;
                      s.consumer_url = url;
                      s.contact = contact_field(j, "");
                      s.topics = topics;
                      s.integration_type = text_field(j, "integrationType", "Api");
                      s.created = s.modified = util::format_rfc3339(util::now());
                      s.secret = signing::new_secret("standard");
                      store.put(s);
                      Json out{{"subscriptionId", s.id}};
                      if (o.sign_standard) {
                        out["secret"] = s.secret; // the design's secret returned at registration
                      }
                      return json(200, out);
                    })});
  routes.push_back({"GET", base_path + "/subscriptions/{id}", guarded([&](const Request& r, const std::string& key) {
                      const auto s = store.get(key, r.params[0]);
                      return s ? json(200, subscription_json(*s, base_url_of(r)))
                               : problem(404, "Not Found",
                                         fmt::format("no subscription {}", util::excerpt(r.params[0])));
                    })});
  routes.push_back({"PUT", base_path + "/subscriptions/{id}", guarded([&](const Request& r, const std::string& key) {
                      auto s = store.get(key, r.params[0]);
                      if (!s) {
                        return problem(404, "Not Found", fmt::format("no subscription {}", util::excerpt(r.params[0])));
                      }
                      const auto j = parse_json_body(r);
                      std::vector<std::string> topics;
                      if (!j.is_object() || !string_list(j, "topicNames", topics)) {
                        return problem(400, "Bad Request", "topicNames must be a non-empty array of topic names");
                      }
                      if (const auto unknown = unknown_topics(topics); !unknown.empty()) {
                        return problem(412, "Precondition Failed",
                                       fmt::format("unknown topic names: {}", fmt::join(unknown, ", ")));
                      }
                      s->topics = topics;
                      s->contact = contact_field(j, s->contact);
                      s->modified = util::format_rfc3339(util::now());
                      store.put(*s);
                      return Response{204, "text/plain", "", {}};
                    })});
  routes.push_back({"DELETE", base_path + "/subscriptions/{id}", guarded([&](const Request& r, const std::string& key) {
                      return store.remove(key, r.params[0])
                                 ? Response{204, "text/plain", "", {}}
                                 : problem(404, "Not Found",
                                           fmt::format("no subscription {}", util::excerpt(r.params[0])));
                    })});
  routes.push_back(
      {"POST", base_path + "/subscriptions/{id}/test-event", guarded([&](const Request& r, const std::string& key) {
         const auto s = store.get(key, r.params[0]);
         if (!s) {
           return problem(404, "Not Found", fmt::format("no subscription {}", util::excerpt(r.params[0])));
         }
         const auto j = parse_json_body(r);
         const std::string topic = j.is_object() ? text_field(j, "topicName") : "";
         if (!event::find_fixture(topic)) {
           return problem(412, "Precondition Failed", fmt::format("unknown topic name '{}'", topic));
         }
         auto [body, id] = make_event(topic, s->id, {});
         deliverer.enqueue(*s, std::move(body), id, topic);
         return json(202, {{"eventId", id}});
       })});
  routes.push_back(
      {"GET", base_path + "/topics", guarded([&](const Request& r, const std::string&) {
         const int size = query_int(r, "pageSize", 25);
         const int start = query_int(r, "pageStartIndex", 0);
         if (size < 1 || size > 100 || start < 0) {
           return problem(400, "Bad Request", "pageSize must be 1 to 100 and pageStartIndex 0 or more");
         }
         std::vector<event::Topic> live;
         for (const auto& t : event::topics()) {
           if (!t.legacy) {
             live.push_back(t);
           }
         }
         auto items = Json::array();
         for (std::size_t i = static_cast<std::size_t>(start);
              i < live.size() && items.size() < static_cast<std::size_t>(size); ++i) {
           items.push_back({{"name", live[i].name}, {"description", live[i].description}});
         }
         return json(200, {{"count", live.size()}, {"pageSize", size}, {"pageStartIndex", start}, {"items", items}});
       })});
  // Admin: emit a topic to every subscription of it (of this key), or one; and the delivery log.
  routes.push_back({"POST", "/_sandbox/emit", guarded([&](const Request& r, const std::string& key) {
                      const auto j = parse_json_body(r);
                      const std::string topic = j.is_object() ? text_field(j, "topicName") : "";
                      if (!event::find_fixture(topic)) {
                        return problem(412, "Precondition Failed", fmt::format("unknown topic name '{}'", topic));
                      }
                      const std::string only = text_field(j, "subscriptionId");
                      std::vector<std::string> assignments;
                      string_list(j, "set", assignments);
                      auto ids = Json::array();
                      try {
                        for (const auto& s : store.list(key)) {
                          const bool wanted = only.empty()
                                                  ? std::find(s.topics.begin(), s.topics.end(), topic) != s.topics.end()
                                                  : s.id == only;
                          if (wanted && s.status == "enabled") {
                            auto [body, id] = make_event(topic, s.id, assignments);
                            deliverer.enqueue(s, std::move(body), id, topic);
                            ids.push_back({{"subscriptionId", s.id}, {"eventId", id}});
                          }
                        }
                      } catch (const Error& e) {
                        return problem(400, "Bad Request", e.what());
                      }
                      return json(202, {{"deliveries", ids}});
                    })});
  routes.push_back({"GET", "/_sandbox/deliveries", guarded([&](const Request& r, const std::string& key) {
                      auto items = Json::array();
                      for (const auto& a : store.attempts(key, query_string(r, "subscriptionId"))) {
                        items.push_back({{"at", a.at},
                                         {"subscriptionId", a.subscription_id},
                                         {"eventId", a.event_id},
                                         {"topic", a.topic},
                                         {"attempt", a.attempt},
                                         {"status", a.status},
                                         {"ms", a.latency_ms},
                                         {"error", a.error}});
                      }
                      return json(200, {{"items", items}});
                    })});

  http::ServerOptions so;
  so.host = o.host;
  so.port = o.port;
  http::Server server(so, std::move(routes));
  const int port = server.start();
  const std::string base_url = fmt::format("http://{}:{}{}", o.host, port, base_path);
  fmt::print(stderr, "acx: sandbox API on {} (state in {}, {} API key{})\n", base_url, o.data_dir, o.api_keys.size(),
             o.api_keys.size() == 1 ? "" : "s");
  if (o.chaos) {
    fmt::print(stderr, "acx: --chaos with --chaos-seed {} (give it again to repeat this run's choices)\n", o.chaos_seed);
  }
  std::fflush(stderr);
  if (!o.ready_file.empty()) {
    util::write_ready_file(o.ready_file, fmt::format("{}:{}", o.host, port));
  }
  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  return ExitCode::ok;
}

} // namespace acx::acculynx
