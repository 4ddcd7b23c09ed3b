#include "acx/acculynx/wire.hpp"
#include "acx/event/json_reader.hpp"

#include <fmt/format.h>

#include "acx/util/text.hpp"

namespace acx::acculynx::wire {

namespace {

// The first of `keys` that is a string member of `j`, or "": for reading answers, which are taken as they come.
std::string any_string(const nlohmann::json& j, std::initializer_list<const char*> keys)
{
  if (!j.is_object()) {
    return {};
  }
  for (const char* k : keys) {
    if (const auto it = j.find(k); it != j.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return {};
}

// Every string in the array member `key`; others are skipped (answers, read leniently).
std::vector<std::string> any_strings(const nlohmann::json& j, const char* key)
{
  std::vector<std::string> out;
  if (j.is_object()) {
    if (const auto it = j.find(key); it != j.end() && it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_string()) {
          out.push_back(v.get<std::string>());
        }
      }
    }
  }
  return out;
}

// The topic names of a request: a non-empty array of strings, or BadBody.
std::vector<std::string> topic_names(const nlohmann::json& body)
{
  const auto it = body.find("topicNames");
  if (it == body.end() || !it->is_array() || it->empty()) {
    throw BadBody("topicNames must be a non-empty array of topic names");
  }
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) {
      throw BadBody(fmt::format("topicNames must hold strings, not {}", v.type_name()));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

void require_object(const nlohmann::json& body)
{
  if (!body.is_object()) {
    throw BadBody("the body must be a JSON object");
  }
}

// The contact of a request, under either name AccuLynx documents for requests.
std::string contact_of(const nlohmann::json& body, const std::string& fallback)
{
  return text_member(body, "techContact", text_member(body, "technicalContact", fallback));
}

} // namespace

std::string text_member(const nlohmann::json& j, const char* key, const std::string& fallback)
{
  if (!j.is_object()) {
    return fallback;
  }
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return fallback;
  }
  if (!it->is_string()) {
    throw BadBody(fmt::format("{} must be a string, not {}", key, it->type_name()));
  }
  return it->get<std::string>();
}

Json to_json(const Registration& r)
{
  return {{"consumerUrl", r.consumer_url},
          {"techContact", r.contact},
          {"topicNames", r.topics},
          {"integrationType", r.integration_type}};
}

Registration registration_from(const nlohmann::json& body)
{
  require_object(body);
  Registration r;
  r.consumer_url = text_member(body, "consumerUrl");
  r.contact = contact_of(body, "");
  r.topics = topic_names(body);
  r.integration_type = text_member(body, "integrationType", "Api");
  return r;
}

Json to_json(const Change& c)
{
  return {{"technicalContact", c.contact}, {"topicNames", c.topics}};
}

Change change_from(const nlohmann::json& body, const std::string& contact)
{
  require_object(body);
  return {contact_of(body, contact), topic_names(body)};
}

Json to_json(const Created& c)
{
  Json out{{"subscriptionId", c.id}};
  if (!c.secret.empty()) {
    out["secret"] = c.secret;
  }
  return out;
}

Created created_from(const nlohmann::json& body)
{
  return {any_string(body, {"subscriptionId", "id"}), any_string(body, {"secret"})};
}

Json to_json(const Subscription& s, const std::string& link)
{
  return {{"id", s.id},
          {"_link", link},
          {"consumerUrl", s.consumer_url},
          {"createdDate", s.created},
          {"modifiedDate", s.modified},
          {"status", s.status},
          {"tech_contact", s.contact},
          {"topicNames", s.topics},
          {"integrationType", s.integration_type}};
}

Subscription subscription_from(const nlohmann::json& item)
{
  Subscription s;
  s.id = any_string(item, {"id", "subscriptionId"});
  s.consumer_url = any_string(item, {"consumerUrl"});
  s.contact = any_string(item, {"tech_contact", "techContact", "technicalContact"});
  s.topics = any_strings(item, "topicNames");
  s.status = any_string(item, {"status"});
  s.integration_type = any_string(item, {"integrationType"});
  s.created = any_string(item, {"createdDate"});
  s.modified = any_string(item, {"modifiedDate"});
  return s;
}

Json to_json(const TopicInfo& t)
{
  return {{"name", t.name}, {"description", t.description}};
}

TopicInfo topic_info_from(const nlohmann::json& item)
{
  if (item.is_string()) {
    return {item.get<std::string>(), ""};
  }
  return {any_string(item, {"name", "topicName"}), any_string(item, {"description"})};
}

Json test_event_json(const std::string& topic)
{
  return {{"topicName", topic}};
}

std::string topic_from(const nlohmann::json& body)
{
  return text_member(body, "topicName");
}

Json page_json(std::size_t count, int page_size, int start, Json items, const char* start_name)
{
  return {{"count", count}, {"pageSize", page_size}, {start_name, start}, {"items", std::move(items)}};
}

Json problem_json(int status, const std::string& title, const std::string& detail, const std::string& trace_id)
{
  return {{"type", fmt::format("https://httpstatuses.io/{}", status)},
          {"title", title},
          {"status", status},
          {"detail", detail},
          {"traceId", trace_id}};
}

std::string describe_problem(int status, const std::string& body)
{
  const auto j = event::parse_untrusted(body);
  if (j.is_object() && (j.contains("title") || j.contains("detail"))) {
    const std::string title = any_string(j, {"title"});
    const std::string detail = any_string(j, {"detail"});
    const std::string trace = any_string(j, {"traceId"});
    return fmt::format("{}{}{} ({}{})", title, !title.empty() && !detail.empty() ? ": " : "", detail, status,
                       trace.empty() ? "" : ", " + trace);
  }
  return fmt::format("the API answered {}: {}", status, util::excerpt(util::trim(body), 120));
}

} // namespace acx::acculynx::wire
