#pragma once

// forward::Hydrate on AccuLynx's REST API: the job and contact an event names, fetched within the shared API budget
// (a 429 waited out) and cached until a later event for the same job or contact says it changed.

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "acx/acculynx/api.hpp"
#include "acx/forward/hydrate.hpp"
#include "acx/util/time.hpp"

namespace acx::hydrate {

// The envelope's bytes with ,"hydrated":<added> before its closing brace; throws std::runtime_error when it is not a
// JSON object's text.
std::string with_hydrated(std::string_view envelope, const nlohmann::ordered_json& added);
// The id of a job's primary contact (contacts[].isPrimary, else the first), as GET /jobs/{id} shows the job; "" when
// it names none.
std::string primary_contact(const nlohmann::json& job);

class ApiHydrator final : public forward::Hydrate {
public:
  explicit ApiHydrator(acculynx::ApiOptions options);

  // The envelope's bytes as received, with ,"hydrated":{...} added before its closing brace: `job` is the job the
  // event names (GET /jobs/{id}); `contact` the contact it names, or its job's primary contact (GET /contacts/{id}).
  std::string body(const journal::Record& record, const std::vector<std::string>& kinds, std::stop_token stop) override;
  Stats stats() const override;

private:
  struct Cached {
    nlohmann::json value;
    util::Instant fetched;
  };
  // The resource `key` ("job:<id>", "contact:<id>"): from the cache unless an event about it was received after the
  // cached copy was fetched.
  nlohmann::json resource(const std::string& key);

  acculynx::Api m_api; // one request at a time (m_api_mutex): the budget spaces them anyway
  std::mutex m_api_mutex;
  mutable std::mutex m_mutex;
  std::map<std::string, Cached> m_cache;
  std::map<std::string, util::Instant> m_newest; // key -> the newest event about it received
  Stats m_stats;
};

} // namespace acx::hydrate
