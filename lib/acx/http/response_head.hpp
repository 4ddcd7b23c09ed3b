#pragma once

// The load client's reading of HTTP/1.1 answers: the head, and where a body ends. Internal to acx/http; apart from
// load_client.cpp so that it can be fuzzed on its own.

#include <cstddef>
#include <optional>
#include <string_view>

namespace acx::http::detail {

// The largest answer the load client reads; a larger one is an error, not a reason to grow without bound.
constexpr std::size_t k_max_answer = 64u << 20;

// A parsed response head and how to find the end of the body.
struct Head {
  int status = 0;
  std::size_t header_bytes = 0;
  std::optional<std::size_t> content_length;
  bool chunked = false;
  bool close = false;
};

// Parses the head once "\r\n\r\n" has arrived; nullopt while incomplete; status -1 when it is not HTTP.
std::optional<Head> parse_head(std::string_view in);

// Where a chunked body at `in` (after the head) stands: complete (with its size in bytes), incomplete, or
// malformed (a chunk size that is not hex, or beyond k_max_answer: never arithmetic that could overflow).
struct Chunked {
  enum class State { complete, incomplete, malformed } state;
  std::size_t size = 0;
};
Chunked chunked_size(std::string_view in);

} // namespace acx::http::detail
