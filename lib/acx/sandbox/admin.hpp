#pragma once

// The sandbox's own routes beside the API (/_sandbox: emit, deliveries, usage, and the changes AccuLynx's public API
// cannot make): their JSON, written and read here for both sides, and the client the `acx sandbox` commands use.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "acx/acculynx/api.hpp"
#include "acx/sandbox/limits.hpp"
#include "acx/sandbox/store.hpp"

namespace acx::sandbox {

// Emit `topic` to every enabled subscription of it (of the caller's API key), or to one.
struct Emit {
  std::string topic;
  std::string subscription_id;          // empty: every subscription of the topic
  std::vector<std::string> assignments; // --set PATH=VALUE edits of the event
};

// One event queued by an emit.
struct Emitted {
  std::string subscription_id;
  std::string event_id;
};

namespace admin {

inline constexpr const char* k_emit = "/_sandbox/emit";
inline constexpr const char* k_deliveries = "/_sandbox/deliveries";
inline constexpr const char* k_usage = "/_sandbox/usage";
// POST {"milestone": NAME}; POST {"set": [PATH=VALUE...]} (jobs and contacts).
inline constexpr const char* k_job_milestone = "/_sandbox/jobs/{id}/milestone";
inline constexpr const char* k_job_update = "/_sandbox/jobs/{id}/update";
inline constexpr const char* k_contact_update = "/_sandbox/contacts/{id}/update";
// POST {"status": "enabled"|"disabled"}: as AccuLynx may disable a subscription that keeps failing.
inline constexpr const char* k_subscription_status = "/_sandbox/subscriptions/{id}/status";

nlohmann::ordered_json to_json(const Emit& e);
// Throws acculynx::wire::BadBody when a member has the wrong type.
Emit emit_from(const nlohmann::json& body);
nlohmann::ordered_json to_json(const std::vector<Emitted>& queued);
std::vector<Emitted> emitted_from(const nlohmann::json& body);

nlohmann::ordered_json to_json(const LoggedAttempt& a);
nlohmann::ordered_json to_json(const std::vector<LoggedAttempt>& attempts);
std::vector<LoggedAttempt> attempts_from(const nlohmann::json& body);

// What each key and address sent, per second, and the bans; `you` labels the caller's key.
nlohmann::ordered_json to_json(const Limits::Usage& usage, const LimitRules& rules, const std::string& you);

// The set member of a body: PATH=VALUE strings. Throws acculynx::wire::BadBody otherwise.
std::vector<std::string> assignments_from(const nlohmann::json& body);

// The admin routes reached through the API client, with its key, budget and 429 handling.
std::vector<Emitted> emit(acculynx::Api& api, const Emit& e);
std::vector<LoggedAttempt> deliveries(acculynx::Api& api, const std::string& subscription_id);
nlohmann::json usage(acculynx::Api& api);
// A change by `route` (k_job_milestone, ...) to the job or contact `id`: the subject as the API then shows it.
nlohmann::json change(acculynx::Api& api, const char* route, const std::string& id, const nlohmann::json& body);

} // namespace admin

} // namespace acx::sandbox
