// Fuzz target: the small parsers of text from flags, headers and files: URLs and their redaction, durations, sizes,
// RFC 3339 times, Retry-After, header lines, percent-decoding, and the terminal escaping of untrusted text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "acx/deliver/retry.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/headers.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)acx::util::parse_url(in);
  (void)acx::util::redact_url(in, {"s3cret", std::string(in.substr(0, 8))});
  if (const auto d = acx::util::parse_duration(in)) {
    (void)acx::util::format_duration(*d);
  }
  (void)acx::util::parse_size(in);
  if (const auto t = acx::util::parse_rfc3339_utc(in)) {
    (void)acx::util::format_rfc3339(*t);
  }
  (void)acx::deliver::parse_retry_after(in, 1'700'000'000);
  (void)acx::util::parse_header_line(in);
  (void)acx::util::percent_decode(in);
  (void)acx::util::hex_decode(in);
  (void)acx::util::base64_decode(in);
  const std::string shown = acx::util::printable(in);
  for (const char c : shown) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      __builtin_trap(); // printable() let a control byte through
    }
  }
  (void)acx::util::excerpt(in, 60);
  return 0;
}
