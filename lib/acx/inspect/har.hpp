#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "acx/journal/record.hpp"

namespace acx::inspect {

// One delivery as an entry of an HTTP Archive (HAR 1.2) log, for the page's export: the request as received (its
// headers and body), and the answer's status (`status`) with the record's verdict as `comment`.
nlohmann::ordered_json har_entry(const journal::Record& r, int status, const std::string& comment);

} // namespace acx::inspect
