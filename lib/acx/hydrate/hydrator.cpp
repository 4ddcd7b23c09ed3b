#include "acx/hydrate/hydrator.hpp"

#include <fmt/format.h>

#include "acx/event/json_text.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"

namespace acx::hydrate {

// The primary contact's id in a job as GET /jobs/{id} shows it (contacts: [{isPrimary, contact: {id}}]), else the
// first contact's.
std::string primary_contact(const nlohmann::json& job)
{
  const auto contacts = job.find("contacts");
  if (contacts == job.end() || !contacts->is_array() || contacts->empty()) {
    return {};
  }
  const nlohmann::json* chosen = &contacts->front();
  for (const auto& c : *contacts) {
    if (const auto primary = c.is_object() ? c.find("isPrimary") : c.end();
        primary != c.end() && primary->is_boolean() && primary->get<bool>()) {
      chosen = &c;
      break;
    }
  }
  const auto contact = chosen->is_object() ? chosen->find("contact") : chosen->end();
  if (contact == chosen->end() || !contact->is_object()) {
    return {};
  }
  const auto id = contact->find("id");
  return id != contact->end() && id->is_string() ? id->get<std::string>() : std::string();
}

std::string with_hydrated(std::string_view envelope, const nlohmann::ordered_json& added)
{
  // The original bytes, then the member: an envelope is a JSON object (the listener accepted it as one).
  const std::string_view text = util::trim(envelope);
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
    throw std::runtime_error("the event is not a JSON object");
  }
  const std::string_view head = util::trim(text.substr(0, text.size() - 1));
  return fmt::format("{}{}\"{}\":{}}}", head, head.size() > 1 ? "," : "", forward::k_hydrated_member,
                     event::json_text(added));
}

ApiHydrator::ApiHydrator(acculynx::ApiOptions options) : m_api(std::move(options)) {}

nlohmann::json ApiHydrator::resource(const std::string& key)
{
  {
    std::lock_guard lock(m_mutex);
    const auto it = m_cache.find(key);
    const auto newest = m_newest.find(key);
    if (it != m_cache.end() && (newest == m_newest.end() || newest->second <= it->second.fetched)) {
      ++m_stats.hits;
      return it->second.value;
    }
  }
  const auto colon = key.find(':');
  const std::string path = fmt::format("/{}s/{}", key.substr(0, colon), util::percent_encode(key.substr(colon + 1)));
  Cached fresh;
  {
    std::lock_guard api(m_api_mutex);
    fresh.fetched = util::now();
    const std::size_t requests = m_api.requests();
    const std::size_t waits = m_api.waits();
    try {
      fresh.value = m_api.rest("GET", path);
    } catch (...) {
      std::lock_guard lock(m_mutex);
      m_stats.fetches += m_api.requests() - requests;
      m_stats.waits += m_api.waits() - waits;
      throw;
    }
    std::lock_guard lock(m_mutex);
    m_stats.fetches += m_api.requests() - requests;
    m_stats.waits += m_api.waits() - waits;
    m_cache[key] = fresh;
  }
  return fresh.value;
}

std::string ApiHydrator::body(const journal::Record& r, const std::vector<std::string>& kinds, std::stop_token stop)
{
  const bool job_wanted = std::find(kinds.begin(), kinds.end(), "job") != kinds.end();
  const bool contact_wanted = std::find(kinds.begin(), kinds.end(), "contact") != kinds.end();
  {
    std::lock_guard lock(m_mutex);
    auto& newest = m_newest[r.subject];
    newest = std::max(newest, r.received);
  }
  nlohmann::ordered_json added = nlohmann::ordered_json::object();
  try {
    std::string contact_id;
    if (r.subject.starts_with("job:") && (job_wanted || contact_wanted)) {
      const auto job = resource(r.subject);
      if (job_wanted) {
        added["job"] = job;
      }
      contact_id = primary_contact(job);
    } else if (r.subject.starts_with("contact:")) {
      contact_id = r.subject.substr(8);
    }
    if (stop.stop_requested()) {
      throw std::runtime_error("stopping");
    }
    if (contact_wanted && !contact_id.empty()) {
      added["contact"] = resource("contact:" + contact_id);
    }
  } catch (...) {
    std::lock_guard lock(m_mutex);
    ++m_stats.failures;
    throw;
  }
  return with_hydrated(r.body, added);
}

forward::Hydrate::Stats ApiHydrator::stats() const
{
  std::lock_guard lock(m_mutex);
  return m_stats;
}

} // namespace acx::hydrate
