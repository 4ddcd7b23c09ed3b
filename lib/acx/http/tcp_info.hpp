#pragma once

// Internal to acx/http: what the kernel counts for a TCP socket.

#include <cstdint>
#include <optional>

namespace acx::http::detail {

// The bytes this TCP socket has received so far (the kernel's tcpi_bytes_received), or nullopt when it cannot say.
std::optional<std::uint64_t> bytes_received(int fd);

} // namespace acx::http::detail
