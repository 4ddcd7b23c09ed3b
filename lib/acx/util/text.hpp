#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace acx::util {

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

// Lower-cases ASCII letters.
std::string to_lower(std::string_view s);

// Strips spaces and tabs from both ends.
std::string_view trim(std::string_view s);

// Splits on every `sep`; empty pieces are kept.
std::vector<std::string_view> split(std::string_view s, char sep);

// A short, printable excerpt of untrusted text for messages: control bytes escaped, at most `max` characters.
std::string excerpt(std::string_view s, std::size_t max = 60);

} // namespace acx::util
