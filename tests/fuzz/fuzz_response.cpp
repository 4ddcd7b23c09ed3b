// Fuzz target: the load client's reading of HTTP answers (head, Content-Length, chunked bodies).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "acx/http/response_head.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace acx::http::detail;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto head = parse_head(in); head && head->status >= 0) {
    const std::string_view rest = in.substr(head->header_bytes);
    const Chunked c = chunked_size(rest);
    if (c.state == Chunked::State::complete && c.size > rest.size()) {
      __builtin_trap(); // a body cannot end past what was read
    }
  }
  (void)chunked_size(in);
  return 0;
}
