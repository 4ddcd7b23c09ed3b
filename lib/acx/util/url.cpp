#include "acx/util/url.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"

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

namespace {

bool names_a_credential(std::string_view name)
{
  const std::string n = to_lower(name);
  for (const char* word : {"token", "secret", "key", "password", "passwd", "signature", "sig", "auth", "code"}) {
    if (n == word || n.ends_with(word) || n.starts_with(word)) {
      return true;
    }
  }
  return false;
}

bool looks_generated(std::string_view segment)
{
  return segment.size() >= 32 && segment.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

void replace_all(std::string& s, std::string_view what, std::string_view with)
{
  if (what.empty()) {
    return;
  }
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
    s.replace(at, what.size(), with);
  }
}

std::size_t authority_start(std::string_view url)
{
  const auto scheme_end = url.find("://");
  return scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
}

// Where the password of user:password@host is (its offset and length). It may hold '?', '#' and '@' (libpq takes the
// first two as they are: the user part ends at an '@' before the first '/'), so that reading, to the last such '@',
// goes first; RFC 3986's (the authority ends at '/', '?' or '#') is the one a password without them gives too.
std::optional<std::pair<std::size_t, std::size_t>> password_span(std::string_view url)
{
  const auto authority = authority_start(url);
  const auto slash = std::min(url.find('/', authority), url.size());
  const auto at = url.rfind('@', slash);
  if (at == std::string_view::npos || at < authority) {
    return std::nullopt;
  }
  const auto colon = url.find(':', authority);
  if (colon >= at) {
    return std::nullopt;
  }
  return std::pair{colon + 1, at - colon - 1};
}

} // namespace

std::string redact_secrets(std::string text, const std::vector<std::string>& secrets)
{
  for (const auto& secret : secrets) {
    if (secret.size() >= 4) { // shorter would hide ordinary text
      replace_all(text, percent_encode(secret), "***");
      replace_all(text, secret, "***");
    }
  }
  return text;
}

std::string redact_url(std::string_view url, const std::vector<std::string>& secrets)
{
  std::string out = redact_secrets(std::string(url), secrets);
  const auto authority = authority_start(out);
  if (const auto password = password_span(out)) {
    out.replace(password->first, password->second, "***");
  }
  const auto path_start = std::min(out.find_first_of("/?#", authority), out.size());
  const auto query = std::min(out.find('?', path_start), out.size());
  const auto fragment = std::min(out.find('#', path_start), out.size());
  // Path segments that look like generated tokens.
  const std::string head = out.substr(0, path_start);
  const std::string path = out.substr(path_start, std::min(query, fragment) - path_start);
  std::string rebuilt;
  for (const auto segment : split(path, '/')) {
    rebuilt += looks_generated(segment) ? std::string("***") : std::string(segment);
    rebuilt += '/';
  }
  rebuilt.pop_back();
  std::string rest = out.substr(path_start + path.size());
  // Query parameters named for a credential (password=, token=, ...), and the fragment, which no server is sent.
  if (!rest.empty() && rest.front() == '?') {
    const auto end = std::min(rest.find('#'), rest.size());
    std::string params;
    for (const auto pair : split(std::string_view(rest).substr(1, end - 1), '&')) {
      const auto eq = pair.find('=');
      params += params.empty() ? "?" : "&";
      params += eq != std::string_view::npos && names_a_credential(pair.substr(0, eq))
                    ? std::string(pair.substr(0, eq + 1)) + "***"
                    : std::string(pair);
    }
    rest = params + rest.substr(end);
  }
  return head + rebuilt + rest;
}

std::vector<std::string> url_credentials(std::string_view url)
{
  std::vector<std::string> out;
  if (const auto span = password_span(url)) {
    const std::string_view password = url.substr(span->first, span->second);
    out.emplace_back(password);
    for (const auto piece : split(password, '@')) {
      out.emplace_back(piece);
    }
  }
  const auto slash = std::min(url.find('/', authority_start(url)), url.size());
  if (const auto query = url.find('?', slash); query != std::string_view::npos) {
    for (const auto pair : split(url.substr(query + 1, url.find('#', query) - query - 1), '&')) {
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && names_a_credential(pair.substr(0, eq))) {
        out.emplace_back(pair.substr(eq + 1));
      }
    }
  }
  return out;
}

bool is_loopback_host(std::string_view host)
{
  if (host == "localhost" || host == "::1" || host == "[::1]") {
    return true;
  }
  // 127.0.0.0/8 as an address, never a name that starts so (127.attacker.example): four numbers of 0-255.
  const auto parts = split(host, '.');
  if (parts.size() != 4 || parts[0] != "127") {
    return false;
  }
  return std::all_of(parts.begin(), parts.end(), [](std::string_view p) {
    int n = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    return !p.empty() && p.size() <= 3 && ec == std::errc() && end == p.data() + p.size() && n <= 255;
  });
}

} // namespace acx::util
