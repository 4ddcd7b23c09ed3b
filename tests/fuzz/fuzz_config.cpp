// Fuzz target: the config loader (TOML, then profiles and subscriptions of the right types).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "acx/config/config.hpp"
#include "acx/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  try {
    (void)acx::config::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml");
  } catch (const acx::Error&) {
    // a clear refusal is the expected outcome for most inputs
  }
  return 0;
}
