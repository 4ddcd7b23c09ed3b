#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "acx/event/problem.hpp"

namespace acx::event {

// Limits that keep hostile input cheap to refuse.
struct JsonLimits {
  std::size_t max_depth = 128;
};

// The result of reading untrusted JSON: the value, or the problems that prevented it.
struct JsonDocument {
  std::optional<nlohmann::json> value;
  std::vector<Problem> problems;
};

// Parses untrusted bytes as strict JSON (RFC 8259, valid UTF-8, no comments). Refuses, with a located problem: syntax
// errors (line and column), nesting deeper than the limit, duplicate object keys (at their JSON path), and numbers
// out of range. Never throws for bad input.
JsonDocument read_json(std::string_view text, JsonLimits limits = {});

// read_json's value, or a discarded value (is_discarded()) when the text is not valid JSON: the one way acx parses
// untrusted JSON it reads leniently (a request to the sandbox, an API's answer).
nlohmann::json parse_untrusted(std::string_view text);

// Valid JSON text laid out with two-space indents, its keys in the order written, its strings and numbers byte for
// byte, indentation growing no deeper than 32 levels; nullopt when the text is not valid JSON. Linear in the size of
// the text, whatever its shape (a tree of nlohmann::ordered_json is quadratic in the number of keys of an object).
std::optional<std::string> pretty_json(std::string_view text);

// Line and column (both from 1) of a byte offset.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset);

} // namespace acx::event
