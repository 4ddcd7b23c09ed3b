#include "acx/inspect/guard.hpp"

#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"

namespace acx::inspect {

namespace {

constexpr const char* k_cookie = "acx_inspect";

http::Response refuse(int status, const std::string& why)
{
  return {status, "text/plain; charset=utf-8", why + "\n", {}};
}

// The host part of a Host header: "127.0.0.1:8789" -> "127.0.0.1", "[::1]:80" -> "[::1]".
std::string host_part(std::string_view host)
{
  if (host.starts_with("[")) {
    return std::string(host.substr(0, host.find(']') + 1));
  }
  return std::string(host.substr(0, host.find(':')));
}

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
  const auto a = util::hmac_sha256(util::as_bytes("acx-inspect"), {presented});
  const auto b = util::hmac_sha256(util::as_bytes("acx-inspect"), {m_token});
  return util::constant_time_equal(a, b);
}

std::optional<http::Response> Guard::check(const http::Request& r, bool changes_state) const
{
  const std::string* host = r.headers.find("Host");
  const std::string name = host ? host_part(*host) : std::string();
  if (name.empty() || !(loopback(name) || util::iequals(name, m_bound_host))) {
    return refuse(403, "acx inspect answers only requests addressed to this machine (Host: localhost or 127.0.0.1)");
  }
  const auto q = r.query.find("token");
  const std::string presented = q != r.query.end() ? q->second : cookie_value(r, k_cookie);
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
    const bool same_origin = origin ? *origin == self : referer && (*referer == self || referer->starts_with(self + "/"));
    if (field == fields.end() || !token_ok(field->second) || !same_origin) {
      return refuse(403, "a change must come from the page itself (its form, same origin)");
    }
  }
  return std::nullopt;
}

std::string Guard::cookie() const
{
  return std::string(k_cookie) + "=" + m_token + "; Path=/; HttpOnly; SameSite=Strict";
}

} // namespace acx::inspect
