#pragma once

#include <optional>
#include <string>

#include "acx/http/message.hpp"

namespace acx::inspect {

// Who may use the page: a request from this machine's browser that knows the token. Checks, in order, the Host
// header (a loopback name or address, or the address the page was bound to: no DNS rebinding), the token (in the
// query, or the cookie the first visit set; compared in constant time), and for a request that changes something a
// POST from the page itself (the token in the form, and an Origin or Referer of this very host).
class Guard {
public:
  Guard(std::string token, std::string bound_host);
  // The refusal, or nullopt when the request may go on.
  std::optional<http::Response> check(const http::Request& r, bool changes_state) const;
  // The Set-Cookie value that lets later requests leave the token out of the URL; named for the page's port.
  std::string cookie(const http::Request& r) const;
  // For a GET that carried the token in its URL (and passed check()): a redirect to the same URL without it that
  // sets the cookie, so the token leaves the address bar and the history. nullopt for every other request.
  std::optional<http::Response> strip_token(const http::Request& r) const;
  // The cookie's name for requests to the port in `r`'s Host header.
  static std::string cookie_name(const http::Request& r);
  const std::string& token() const { return m_token; }

private:
  bool token_ok(const std::string& presented) const;
  std::string m_token;
  std::string m_bound_host;
};

// A Host header's parts: a name or an address ("[::1]" keeps its brackets), and the port ("" when none).
struct HostHeader {
  std::string host;
  std::string port;
};
// nullopt unless the value is exactly host[:port] with a numeric port: "localhost:evil.com" and "[::1]evil.com" are
// not Host headers.
std::optional<HostHeader> parse_host(std::string_view value);

// A fresh 128-bit token, hex.
std::string new_token();

// The value of `name` in a Cookie header, or "".
std::string cookie_value(const http::Request& r, const std::string& name);

// The fields of an application/x-www-form-urlencoded body.
std::map<std::string, std::string> form_fields(const std::string& body);

} // namespace acx::inspect
