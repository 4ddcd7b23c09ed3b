#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace acx::util {

using Bytes = std::vector<std::uint8_t>;

// Standard base64 (RFC 4648 section 4) with padding.
std::string base64_encode(std::span<const std::uint8_t> data);
// Decodes standard base64; padding optional; nullopt on any other character or a bad length.
std::optional<Bytes> base64_decode(std::string_view text);

// Lower-case hex.
std::string hex_encode(std::span<const std::uint8_t> data);
// Decodes hex of either case; nullopt on odd length or a non-hex character.
std::optional<Bytes> hex_decode(std::string_view text);

// Encodes every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - _ . ~) as %XX, for a URL component.
std::string percent_encode(std::string_view text);
// Decodes %XX escapes and '+' as space (query-string form); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text);

// The bytes of a string, viewed as unsigned.
inline std::span<const std::uint8_t> as_bytes(std::string_view s)
{
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

} // namespace acx::util
