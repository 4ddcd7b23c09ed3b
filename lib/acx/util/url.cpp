#include "acx/util/url.hpp"

#include <charconv>
#include <fmt/format.h>

namespace acx::util {

std::string Url::origin() const
{
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", scheme, v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::optional<Url> parse_url(std::string_view text, std::string* why)
{
  auto fail = [why](const char* reason) -> std::optional<Url> {
    if (why) {
      *why = reason;
    }
    return std::nullopt;
  };
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    return fail("expected http:// or https://");
  }
  url.scheme = std::string(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return fail("only http and https are supported");
  }
  std::string_view rest = text.substr(sep + 3);
  const auto path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (url.target.starts_with("?")) {
    url.target.insert(0, "/");
  }
  if (const auto hash = url.target.find('#'); hash != std::string::npos) {
    url.target.erase(hash);
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail("credentials in the URL are not supported");
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail("unterminated IPv6 address");
    }
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return fail("expected ':' after the IPv6 address");
      }
      port_text = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (url.host.empty()) {
    return fail("no host");
  }
  url.port = url.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return fail("bad port");
    }
    url.port = port;
  }
  return url;
}

} // namespace acx::util
