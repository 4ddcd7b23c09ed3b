// Fuzz target: the JSON reader and the envelope parser (what acx listen runs on every body).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "acx/event/envelope.hpp"
#include "acx/event/gist.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = acx::event::parse_envelope(body);
  if (parsed.envelope) {
    (void)acx::event::gist(parsed.envelope->event);
  }
  for (const auto& p : parsed.problems) {
    (void)acx::event::describe(p);
  }
  return 0;
}
