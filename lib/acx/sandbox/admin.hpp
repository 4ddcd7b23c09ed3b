#pragma once

// The sandbox's own routes beside the API, /_sandbox/emit and /_sandbox/deliveries: their JSON, written and read
// here for both sides, and the client `acx sandbox emit` and `deliveries` use.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "acx/acculynx/api.hpp"
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

nlohmann::ordered_json to_json(const Emit& e);
// Throws acculynx::wire::BadBody when a member has the wrong type.
Emit emit_from(const nlohmann::json& body);
nlohmann::ordered_json to_json(const std::vector<Emitted>& queued);
std::vector<Emitted> emitted_from(const nlohmann::json& body);

nlohmann::ordered_json to_json(const LoggedAttempt& a);
nlohmann::ordered_json to_json(const std::vector<LoggedAttempt>& attempts);
std::vector<LoggedAttempt> attempts_from(const nlohmann::json& body);

// The admin routes reached through the API client, with its key, pacing and 429 handling.
std::vector<Emitted> emit(acculynx::Api& api, const Emit& e);
std::vector<LoggedAttempt> deliveries(acculynx::Api& api, const std::string& subscription_id);

} // namespace admin

} // namespace acx::sandbox
