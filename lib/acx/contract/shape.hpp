#pragma once

// A schema read as the list of members it describes, each with its path: what acx schema diff compares, what acx
// schema learn reports against, and what acx send --drift and acx check take out or null.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace acx::contract {

struct Member {
  std::string path;                           // jq notation: .event.job.id, .event.job.tradeTypes[].id
  std::vector<std::string> types;             // JSON Schema's type names; empty: any
  std::string format;                         // "" when none
  bool required = false;                      // required by the object it is a member of (array items: always)
  std::vector<nlohmann::ordered_json> values; // enum (or const) values; empty: any
  std::string source;                         // its $comment: documented, captured, assumed
};

// The members `schema` describes, depth first in the order written, through properties and items (a $ref is not
// followed). The root itself is not among them.
std::vector<Member> members(const nlohmann::ordered_json& schema);

} // namespace acx::contract

namespace acx::contract {

// The event a schema describes, in a line: "job = {id, milestone: {id, name, isCurrent}, _link}" (an optional member
// marked "?", an array of objects as "[{...}]"); what acx topics --long shows.
std::string event_shape(const nlohmann::ordered_json& schema);

} // namespace acx::contract
