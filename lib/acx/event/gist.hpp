#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace acx::event {

// A few words that say what happened in an event, for one-line output: "milestone Approved",
// "invoice price 18450 collected 5000", "Insurance Carrier = State Farm". Empty when nothing stands out.
std::string gist(const nlohmann::json& event);

} // namespace acx::event
