#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acx::util {

// An http or https URL split the way a client needs it.
struct Url {
  std::string scheme; // "http" or "https"
  std::string host;   // without brackets for IPv6
  int port = 0;       // explicit, or the scheme's default
  std::string target; // path and query, at least "/"

  // "http://host:port", the part a connection is made to.
  std::string origin() const;
};

// Parses an http(s) URL; nullopt with `why` set for anything else (no scheme, another scheme, no host, a bad port).
std::optional<Url> parse_url(std::string_view text, std::string* why = nullptr);

// `text` with each of `secrets` (as given or percent-encoded, when 4 characters or longer) replaced by "***".
std::string redact_secrets(std::string text, const std::vector<std::string>& secrets);

// The URL for printing, credentials hidden as "***": a password before the host, the values of query parameters
// whose names say they hold one (token, secret, key, password, signature, ...), path segments that look like
// generated tokens (32 or more hex digits), and each of `secrets` (as given or percent-encoded) wherever it appears.
std::string redact_url(std::string_view url, const std::vector<std::string>& secrets = {});

// The credentials a URL holds, as redact_url() finds them: the password before the host (and each piece of it between
// '@'s, which another reader may split it at), and the values of query parameters named for a credential. For
// hiding them in text that quotes the URL otherwise (a library's error message).
std::vector<std::string> url_credentials(std::string_view url);

// Whether a host (a URL's, or a --host) names this machine: localhost, 127.0.0.0/8, ::1 (bracketed or not).
bool is_loopback_host(std::string_view host);

} // namespace acx::util
