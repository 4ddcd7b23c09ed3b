#include "acx/sandbox/admin.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"

#include "acx/acculynx/wire.hpp"
#include "acx/util/encoding.hpp"

namespace acx::sandbox::admin {

namespace {

using acculynx::wire::BadBody;
using acculynx::wire::text_member;

// The array member `key` of an answer, or an empty array.
nlohmann::json items_of(const nlohmann::json& body, const char* key)
{
  if (body.is_object()) {
    if (const auto it = body.find(key); it != body.end() && it->is_array()) {
      return *it;
    }
  }
  return nlohmann::json::array();
}

template <class T> T number_member(const nlohmann::json& j, const char* key)
{
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<T>() : T{};
}

std::string string_member(const nlohmann::json& j, const char* key)
{
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

nlohmann::json parse(const std::string& body)
{
  return event::parse_untrusted(body);
}

} // namespace

nlohmann::ordered_json to_json(const Emit& e)
{
  nlohmann::ordered_json out{{"topicName", e.topic}, {"set", e.assignments}};
  if (!e.subscription_id.empty()) {
    out["subscriptionId"] = e.subscription_id;
  }
  return out;
}

Emit emit_from(const nlohmann::json& body)
{
  Emit e;
  e.topic = acculynx::wire::topic_from(body);
  e.subscription_id = text_member(body, "subscriptionId");
  e.assignments = assignments_from(body);
  return e;
}

std::vector<std::string> assignments_from(const nlohmann::json& body)
{
  std::vector<std::string> out;
  if (body.is_object()) {
    if (const auto it = body.find("set"); it != body.end() && !it->is_null()) {
      if (!it->is_array()) {
        throw BadBody("set must be an array of PATH=VALUE strings");
      }
      for (const auto& v : *it) {
        if (!v.is_string()) {
          throw BadBody("set must be an array of PATH=VALUE strings");
        }
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

nlohmann::ordered_json to_json(const Limits::Usage& usage, const LimitRules& rules, const std::string& you)
{
  auto seconds = nlohmann::ordered_json::array();
  for (const auto& s : usage.seconds) {
    seconds.push_back({{"second", s.second}, {"keys", s.keys}, {"addresses", s.addresses}});
  }
  auto bans = nlohmann::ordered_json::array();
  for (const auto& b : usage.bans) {
    bans.push_back({{"address", b.address}, {"untilMs", b.until_ms}});
  }
  return {{"you", you},
          {"limits", {{"perKey", rules.per_key}, {"perAddress", rules.per_address}, {"banMs", rules.ban.count()}}},
          {"seconds", seconds},
          {"bans", bans}};
}

nlohmann::ordered_json to_json(const std::vector<Emitted>& queued)
{
  auto items = nlohmann::ordered_json::array();
  for (const auto& q : queued) {
    items.push_back({{"subscriptionId", q.subscription_id}, {"eventId", q.event_id}});
  }
  return {{"deliveries", items}};
}

std::vector<Emitted> emitted_from(const nlohmann::json& body)
{
  std::vector<Emitted> out;
  for (const auto& item : items_of(body, "deliveries")) {
    if (item.is_object()) {
      out.push_back({string_member(item, "subscriptionId"), string_member(item, "eventId")});
    }
  }
  return out;
}

nlohmann::ordered_json to_json(const LoggedAttempt& a)
{
  return {{"at", a.at},
          {"subscriptionId", a.subscription_id},
          {"eventId", a.event_id},
          {"topic", a.topic},
          {"attempt", a.attempt},
          {"status", a.status},
          {"ms", a.latency_ms},
          {"error", a.error}};
}

nlohmann::ordered_json to_json(const std::vector<LoggedAttempt>& attempts)
{
  auto items = nlohmann::ordered_json::array();
  for (const auto& a : attempts) {
    items.push_back(to_json(a));
  }
  return {{"items", items}};
}

std::vector<LoggedAttempt> attempts_from(const nlohmann::json& body)
{
  std::vector<LoggedAttempt> out;
  for (const auto& item : items_of(body, "items")) {
    if (item.is_object()) {
      out.push_back({"", string_member(item, "at"), string_member(item, "subscriptionId"),
                     string_member(item, "eventId"), string_member(item, "topic"), number_member<int>(item, "attempt"),
                     number_member<int>(item, "status"), number_member<double>(item, "ms"),
                     string_member(item, "error")});
    }
  }
  return out;
}

std::vector<Emitted> emit(acculynx::Api& api, const Emit& e)
{
  return emitted_from(parse(api.call_on_origin("POST", k_emit, event::json_text(to_json(e)))));
}

nlohmann::json usage(acculynx::Api& api)
{
  return parse(api.call_on_origin("GET", k_usage));
}

nlohmann::json change(acculynx::Api& api, const char* route, const std::string& id, const nlohmann::json& body)
{
  std::string target = route;
  target.replace(target.find("{id}"), 4, util::percent_encode(id));
  return parse(api.call_on_origin("POST", target, event::json_text(body)));
}

std::vector<LoggedAttempt> deliveries(acculynx::Api& api, const std::string& subscription_id)
{
  return attempts_from(parse(api.call_on_origin(
      "GET", std::string(k_deliveries) + "?subscriptionId=" + util::percent_encode(subscription_id))));
}

} // namespace acx::sandbox::admin
