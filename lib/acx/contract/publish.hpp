#pragma once

// The schema set as documents other tools read (acx schema export): OpenAPI 3.1, one `webhooks` entry per topic, and
// AsyncAPI 3.0, one message per topic on the receiver's channel. Each says how a delivery is known to be AccuLynx's
// (the token in the URL, acx's default; or a Standard Webhooks signature) and what a receiver answers.

#include <nlohmann/json.hpp>
#include <string>

#include "acx/contract/schemas.hpp"

namespace acx::contract {

struct Publication {
  std::string version;                       // of the document (acx's)
  std::string path = "/webhooks/acculynx";   // where the receiver takes deliveries
  std::string host = "receiver.example.com"; // AsyncAPI's server
};

nlohmann::ordered_json openapi(const SchemaSet& set, const Publication& p);
nlohmann::ordered_json asyncapi(const SchemaSet& set, const Publication& p);

} // namespace acx::contract
