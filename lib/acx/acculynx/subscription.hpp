#pragma once

#include <string>
#include <vector>

namespace acx::acculynx {

// A subscription as AccuLynx's API shows it, and as acx sandbox keeps it: one model for both sides.
struct Subscription {
  std::string id;
  std::string consumer_url;
  std::string contact;
  std::vector<std::string> topics;
  std::string status = "enabled"; // or "disabled"
  std::string integration_type = "Api";
  std::string created; // RFC 3339
  std::string modified;
};

// What a client sends to register a consumer URL (POST /subscriptions).
struct Registration {
  std::string consumer_url;
  std::string contact;
  std::vector<std::string> topics;
  std::string integration_type = "Api";
};

// What a client sends to change a subscription (PUT /subscriptions/{id}): the consumer URL cannot change.
struct Change {
  std::string contact;
  std::vector<std::string> topics;
};

// What registering answers: the new subscription's id, and the secret its deliveries are signed with when the API
// signs them (acx sandbox --sign standard; AccuLynx itself signs nothing today).
struct Created {
  std::string id;
  std::string secret;
};

// A topic as GET /topics lists it.
struct TopicInfo {
  std::string name;
  std::string description;
};

// Where a subscription's token goes in its consumer URL, for AccuLynx to send back with every delivery.
enum class TokenPlace { query, path };

// The consumer URL that carries `token`: as the query parameter token=..., or as one more path segment (a query
// stays after it).
std::string consumer_url_with_token(const std::string& url, const std::string& token, TokenPlace where);

} // namespace acx::acculynx
