#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acx/util/time.hpp"

namespace acx::event {

// The realistic sample delivery for `topic` (fixtures/<topic>.json, compiled into the binary), or nullopt.
std::optional<std::string_view> find_fixture(std::string_view topic);

// The topics that have a fixture, in catalog order.
std::vector<std::string_view> fixture_topics();

// A copy of an envelope with a new eventId and eventDateTime = `now`, keys kept in their order and spelling.
// Throws acx::Error (bad_input) if `envelope` is not a JSON object.
std::string freshen(std::string_view envelope, util::Instant now);

} // namespace acx::event
