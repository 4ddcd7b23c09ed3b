#include "acx/inspect/guard.hpp"

#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"

namespace acx::inspect {

namespace {

// The cookie's name ends with the page's port: cookies are kept per host, not per port, and two pages on one host
// must not overwrite each other's.
constexpr std::string_view k_cookie = "acx_inspect_";

http::Response refuse(int status, const std::string& why)
{
  return {status, "text/plain; charset=utf-8", why + "\n", {}};
}

bool digits(std::string_view s)
{
  return !s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

} // namespace

std::optional<HostHeader> parse_host(std::string_view value)
{
  HostHeader out;
  std::string_view rest;
  if (value.starts_with("[")) {
    const auto close = value.find(']');
    if (close == std::string_view::npos || close == 1 ||
        value.substr(1, close - 1).find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return std::nullopt;
    }
    out.host = std::string(value.substr(0, close + 1));
    rest = value.substr(close + 1);
  } else {
    const auto colon = value.find(':');
    out.host = std::string(value.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : value.substr(colon);
    if (out.host.empty() ||
        out.host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
            std::string::npos) {
      return std::nullopt;
    }
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || !digits(rest.substr(1))) {
      return std::nullopt; // "localhost:evil.com", "[::1]evil.com"
    }
    out.port = rest.substr(1);
  }
  return out;
}

namespace {

bool loopback(const std::string& host)
{
  if (util::iequals(host, "localhost") || host == "[::1]") {
    return true;
  }
  if (!host.starts_with("127.")) {
    return false;
  }
  return host.find_first_not_of("0123456789.") == std::string::npos;
}

} // namespace

std::string new_token()
{
  return util::hex_encode(util::random_bytes(16));
}

std::string cookie_value(const http::Request& r, const std::string& name)
{
  const std::string* header = r.headers.find("Cookie");
  if (!header) {
    return {};
  }
  for (auto part : util::split(*header, ';')) {
    part = util::trim(part);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
  }
  return {};
}

std::map<std::string, std::string> form_fields(const std::string& body)
{
  std::map<std::string, std::string> out;
  for (const auto pair : util::split(body, '&')) {
    if (pair.empty() || pair.front() == '=') {
      continue; // nothing, or a value without a name
    }
    const auto eq = pair.find('=');
    const auto name = util::percent_decode(pair.substr(0, eq));
    const auto value = util::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (name && value && !out.contains(*name)) {
      out.emplace(*name, *value);
    }
  }
  return out;
}

Guard::Guard(std::string token, std::string bound_host) : m_token(std::move(token)), m_bound_host(std::move(bound_host))
{
}

bool Guard::token_ok(const std::string& presented) const
{
  return util::same_token(presented, m_token);
}

std::optional<http::Response> Guard::check(const http::Request& r, bool changes_state) const
{
  const std::string* host = r.headers.find("Host");
  const auto parsed = host && r.headers.count("Host") == 1 ? parse_host(*host) : std::nullopt;
  if (!parsed || !(loopback(parsed->host) || util::iequals(parsed->host, m_bound_host))) {
    return refuse(403, "acx inspect answers only requests addressed to this machine (Host: localhost or 127.0.0.1)");
  }
  const auto q = r.query.find("token");
  const std::string presented = q != r.query.end() ? q->second : cookie_value(r, cookie_name(r));
  if (!token_ok(presented)) {
    return refuse(401, "open the page with the URL acx inspect printed: it carries the token");
  }
  if (changes_state) {
    if (r.method != "POST") {
      return refuse(405, "changes are made with POST from the page");
    }
    const auto fields = form_fields(r.body);
    const auto field = fields.find("token");
    const std::string* origin = r.headers.find("Origin");
    const std::string* referer = r.headers.find("Referer");
    const std::string self = "http://" + *host;
    const bool same_origin =
        origin ? *origin == self : referer && (*referer == self || referer->starts_with(self + "/"));
    if (field == fields.end() || !token_ok(field->second) || !same_origin) {
      return refuse(403, "a change must come from the page itself (its form, same origin)");
    }
  }
  return std::nullopt;
}

std::string Guard::cookie_name(const http::Request& r)
{
  const std::string* host = r.headers.find("Host");
  const auto parsed = host ? parse_host(*host) : std::nullopt;
  return std::string(k_cookie) + (parsed && !parsed->port.empty() ? parsed->port : "80");
}

std::string Guard::cookie(const http::Request& r) const
{
  return cookie_name(r) + "=" + m_token + "; Path=/; HttpOnly; SameSite=Strict";
}

std::optional<http::Response> Guard::strip_token(const http::Request& r) const
{
  if (r.method != "GET" || !r.query.contains("token")) {
    return std::nullopt;
  }
  const auto question = r.target.find('?');
  std::string location = r.target.substr(0, question);
  std::string kept;
  if (question != std::string::npos) {
    for (const auto part : util::split(std::string_view(r.target).substr(question + 1), '&')) {
      const auto name = util::percent_decode(part.substr(0, part.find('=')));
      if (!part.empty() && !(name && *name == "token")) {
        kept += (kept.empty() ? "" : "&") + std::string(part);
      }
    }
  }
  if (!kept.empty()) {
    location += "?" + kept;
  }
  http::Response away(303, "text/plain; charset=utf-8", "see " + location + "\n");
  away.headers.add("Location", location);
  away.headers.add("Set-Cookie", cookie(r));
  away.headers.add("Cache-Control", "no-store");
  away.headers.add("Referrer-Policy", "no-referrer");
  return away;
}

} // namespace acx::inspect
