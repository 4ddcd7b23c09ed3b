#pragma once

// The variations of a delivery that AccuLynx promises nothing against, for a receiver to prove it tolerates them
// (acx send --drift KIND, acx check's tolerant-reader): members it does not know, an optional member null or absent,
// the members in another order.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acx/contract/schemas.hpp"

namespace acx::contract {

enum class Variation { unknown_member, null_optional, absent_optional, reordered };

std::string_view variation_name(Variation v); // "unknown-member", "null-optional", "absent-optional", "reordered"
const std::vector<Variation>& variations();
std::optional<Variation> parse_variation(std::string_view name);

// Applies `v` to `envelope` (a delivery of `topic`, as `set` describes it) and says what it did: "added
// .acxUnknown, .event.acxUnknown, .event.job.acxUnknown". Throws acx::Error (usage) when the topic's schema has no
// optional member the envelope holds (null-optional, absent-optional: job_created has one).
std::string vary(nlohmann::ordered_json& envelope, std::string_view topic, Variation v, const SchemaSet& set);

} // namespace acx::contract
