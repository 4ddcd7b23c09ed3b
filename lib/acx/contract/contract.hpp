#pragma once

// The contract check: a delivery's body against its topic's schema, as drift. A maintained validator (valijson) judges
// what JSON Schema says of values (types, required members, enums, bounds); acx adds what a validator does not report,
// because a schema that allows unknown members cannot: the members the schema does not describe. acx also checks the
// formats itself: valijson 1.0 compiles a std::regex for every date-time it checks (0.6 ms a value, measured here),
// which a listener cannot pay per delivery.

#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "acx/contract/drift.hpp"
#include "acx/contract/schemas.hpp"

namespace acx::contract {

class Contract {
public:
  // Compiles every schema of `set`. Throws acx::Error (bad_input) naming the topic of a schema the validator refuses.
  explicit Contract(const SchemaSet& set);
  ~Contract();
  Contract(const Contract&) = delete;
  Contract& operator=(const Contract&) = delete;

  // How `body` (a whole delivery: envelope and event) differs from the schema of `topic`; empty when it conforms.
  // A topic without a schema is one Deviation of kind topic. Each (kind, path) is reported once, items of an array
  // under one path (`.event.job.tradeTypes[].id`).
  Drift check(std::string_view topic, const nlohmann::json& body) const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The JSON type of a value in JSON Schema's words: null, boolean, integer, number, string, array, object.
std::string_view json_type(const nlohmann::json& v);
// Whether a string is of a format acx checks (uuid, date-time, date, uri); formats it does not know pass.
bool conforms(std::string_view format, std::string_view value);

} // namespace acx::contract
