#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace acx::event {

// The one way acx writes a JSON value as text: compact (indent -1) or indented, and never throwing for a string that
// is not valid UTF-8 (text from a delivery, a command's output, an answer): such bytes become U+FFFD.
std::string json_text(const nlohmann::json& value, int indent = -1);
std::string json_text(const nlohmann::ordered_json& value, int indent = -1);

// The same, compact, with a newline: one JSON line (NDJSON) for stdout or a file.
std::string json_line(const nlohmann::json& value);
std::string json_line(const nlohmann::ordered_json& value);

} // namespace acx::event
