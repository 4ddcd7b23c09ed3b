#include "acx/sandbox/routes.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/acculynx/budget.hpp"
#include "acx/acculynx/wire.hpp"
#include "acx/event/edit.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/event/topics.hpp"
#include "acx/sandbox/admin.hpp"
#include "acx/sandbox/answers.hpp"
#include "acx/sandbox/company.hpp"
#include "acx/sandbox/deliverer.hpp"
#include "acx/sandbox/gate.hpp"
#include "acx/sandbox/store.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::sandbox {

namespace {

namespace wire = acculynx::wire;
using answer::json;
using answer::no_content;
using answer::problem;
using http::Request;
using http::Response;

Response not_found(const std::string& id)
{
  return problem(404, "Not Found", fmt::format("no subscription {}", util::excerpt(id)));
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

} // namespace

Routes::Routes(Store& store, Company& company, Deliverer& deliverer, Gate& gate, const Options& options)
    : m_store(store), m_company(company), m_deliverer(deliverer), m_gate(gate), m_options(options)
{
}

std::vector<http::Route> Routes::routes()
{
  const std::string api = k_base_path;
  return {
      {"GET", api + "/subscriptions", m_gate.guard(this, &Routes::list_subscriptions)},
      {"POST", api + "/subscriptions", m_gate.guard(this, &Routes::create_subscription)},
      {"GET", api + "/subscriptions/{id}", m_gate.guard(this, &Routes::show_subscription)},
      {"PUT", api + "/subscriptions/{id}", m_gate.guard(this, &Routes::change_subscription)},
      {"DELETE", api + "/subscriptions/{id}", m_gate.guard(this, &Routes::delete_subscription)},
      {"POST", api + "/subscriptions/{id}/test-event", m_gate.guard(this, &Routes::test_event)},
      {"GET", api + "/topics", m_gate.guard(this, &Routes::list_topics)},
      {"POST", admin::k_emit, m_gate.guard(this, &Routes::emit, false)},
      {"GET", admin::k_deliveries, m_gate.guard(this, &Routes::deliveries, false)},
      {"GET", admin::k_usage, m_gate.guard(this, &Routes::usage, false)},
      {"POST", admin::k_subscription_status, m_gate.guard(this, &Routes::set_status, false)},
  };
}

std::string Routes::base_url(const Request& r) const
{
  return answer::origin(r, m_options.host) + k_base_path;
}

Response Routes::list_subscriptions(const Request& r, const std::string& key)
{
  const auto asked = answer::page_asked(r);
  if (!asked) {
    return answer::bad_page();
  }
  const std::string filter = answer::query_string(r, "subscriptionStatusQueryFilter");
  std::vector<acculynx::Subscription> selected;
  for (auto& kept : m_store.list(key)) {
    const bool active = kept.subscription.status == "enabled";
    if (filter.empty() || util::iequals(filter, "All") || (util::iequals(filter, "Active") && active) ||
        (util::iequals(filter, "Inactive") && !active)) {
      selected.push_back(std::move(kept.subscription));
    }
  }
  const std::string base = base_url(r);
  return answer::page(selected, *asked, [&](const acculynx::Subscription& s) {
    return wire::to_json(s, base + "/subscriptions/" + s.id);
  });
}

Response Routes::create_subscription(const Request& r, const std::string& key)
{
  const auto asked = wire::registration_from(answer::body_of(r));
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
  const auto change = wire::change_from(answer::body_of(r), s.contact);
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
  const std::string topic = wire::topic_from(answer::body_of(r));
  if (!event::find_fixture(topic)) {
    return unknown_fixture(topic);
  }
  auto [body, id] = event::fixture_event(topic, util::now(), kept->subscription.id, {});
  m_deliverer.enqueue(*kept, m_company.localize({key, answer::origin(r, m_options.host)}, body), id, topic);
  return json(202, {{"eventId", id}});
}

Response Routes::list_topics(const Request& r, const std::string&)
{
  const auto asked = answer::page_asked(r);
  if (!asked) {
    return answer::bad_page();
  }
  std::vector<acculynx::TopicInfo> live;
  for (const auto& t : event::topics()) {
    if (!t.legacy) {
      live.push_back({std::string(t.name), std::string(t.description)});
    }
  }
  return answer::page(live, *asked, [](const acculynx::TopicInfo& t) { return wire::to_json(t); });
}

Response Routes::emit(const Request& r, const std::string& key)
{
  const Emit asked = admin::emit_from(answer::body_of(r));
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
        m_deliverer.enqueue(kept, m_company.localize({key, answer::origin(r, m_options.host)}, body), id, asked.topic);
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
  return json(200, admin::to_json(m_store.attempts(key, answer::query_string(r, "subscriptionId"))));
}

} // namespace acx::sandbox

namespace acx::sandbox {

Response Routes::set_status(const Request& r, const std::string& key)
{
  auto kept = m_store.get(key, r.params[0]);
  if (!kept) {
    return not_found(r.params[0]);
  }
  const std::string status = wire::text_member(answer::body_of(r), "status");
  if (status != "enabled" && status != "disabled") {
    return problem(400, "Bad Request", "status must be enabled or disabled");
  }
  kept->subscription.status = status;
  kept->subscription.modified = util::format_rfc3339(util::now());
  m_store.put(*kept);
  return json(200, wire::to_json(kept->subscription, base_url(r) + "/subscriptions/" + kept->subscription.id));
}

Response Routes::usage(const Request&, const std::string& key)
{
  return json(200, admin::to_json(m_gate.limits().usage(), m_gate.limits().rules(), acculynx::budget_label(key)));
}

} // namespace acx::sandbox
