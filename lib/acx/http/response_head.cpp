#include "acx/http/response_head.hpp"

#include <charconv>
#include <cstdint>
#include <string>

#include "acx/util/text.hpp"

namespace acx::http::detail {

std::optional<Head> parse_head(std::string_view in)
{
  const auto end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  Head h;
  h.header_bytes = end + 4;
  const auto lines = util::split(in.substr(0, end), '\n');
  const std::string_view status_line = util::trim(lines[0]);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
    h.status = -1;
    return h;
  }
  std::from_chars(status_line.data() + 9, status_line.data() + 12, h.status);
  h.close = status_line.starts_with("HTTP/1.0");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = util::trim(lines[i]);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string_view name = util::trim(line.substr(0, colon));
    const std::string_view value = util::trim(line.substr(colon + 1));
    if (util::iequals(name, "Content-Length")) {
      std::size_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      // Not a number, or beyond size_t: as good as infinite, which the caller refuses.
      h.content_length = ec == std::errc() && ptr == value.data() + value.size() ? n : SIZE_MAX;
    } else if (util::iequals(name, "Transfer-Encoding")) {
      h.chunked = util::to_lower(value).find("chunked") != std::string::npos;
    } else if (util::iequals(name, "Connection")) {
      h.close = util::iequals(value, "close") || (h.close && !util::iequals(value, "keep-alive"));
    }
  }
  return h;
}

Chunked chunked_size(std::string_view in)
{
  std::size_t pos = 0;
  for (;;) {
    const auto eol = in.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      return {in.size() - pos > 1024 ? Chunked::State::malformed : Chunked::State::incomplete};
    }
    std::size_t n = 0;
    const char* end = in.data() + eol;
    const auto [ptr, ec] = std::from_chars(in.data() + pos, end, n, 16);
    if (ec != std::errc() || ptr == in.data() + pos || (ptr != end && *ptr != ';' && *ptr != ' ') || n > k_max_answer ||
        pos + n > k_max_answer) {
      return {Chunked::State::malformed};
    }
    pos = eol + 2;
    if (n == 0) {
      const auto trailer_end = in.find("\r\n", pos);
      return trailer_end == std::string_view::npos ? Chunked{Chunked::State::incomplete}
                                                   : Chunked{Chunked::State::complete, trailer_end + 2};
    }
    if (in.size() < pos + n + 2) {
      return {Chunked::State::incomplete};
    }
    pos += n + 2;
  }
}

} // namespace acx::http::detail
