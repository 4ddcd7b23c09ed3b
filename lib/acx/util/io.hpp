#pragma once

#include <string>

namespace acx::util {

// Reads a whole file, or standard input for "-", as bytes. Throws acx::Error (bad_input) naming the path.
// Refuses inputs larger than `max_bytes`.
std::string read_input(const std::string& path, std::size_t max_bytes = 256u << 20);

} // namespace acx::util
