#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acx::util {

struct Header {
  std::string name;
  std::string value;
};

// An ordered list of HTTP headers; names compare case-insensitively.
class Headers {
public:
  Headers() = default;
  Headers(std::initializer_list<Header> list) : m_list(list) {}

  void add(std::string name, std::string value) { m_list.push_back({std::move(name), std::move(value)}); }
  void reserve(std::size_t n) { m_list.reserve(n); }
  // The value of the first header named `name`, or nullptr.
  const std::string* find(std::string_view name) const;
  // Replaces the value of every header named `name`.
  void replace_values(std::string_view name, const std::string& value);
  // How many headers are named `name`.
  std::size_t count(std::string_view name) const;

  auto begin() const { return m_list.begin(); }
  auto end() const { return m_list.end(); }
  std::size_t size() const { return m_list.size(); }
  bool empty() const { return m_list.empty(); }

private:
  std::vector<Header> m_list;
};

// Whether a header carries a credential: Authorization, Proxy-Authorization, Cookie, and any name with auth, token,
// secret, password, cookie, key, session or credential in it (X-Api-Key, X-Auth-Token, X-Session-Id, ...). Signatures
// are not credentials.
bool is_credential_header(std::string_view name);

// Which of `tokens` the headers carry as "Authorization: Bearer TOKEN" (its index), if any: every token compared, each
// with util::same_token.
std::optional<std::size_t> bearer_of(const Headers& headers, const std::vector<std::string>& tokens);
inline bool has_bearer(const Headers& headers, const std::vector<std::string>& tokens)
{
  return bearer_of(headers, tokens).has_value();
}

// Whether a header says who the client is, as a proxy saw it (X-Forwarded-*, Forwarded, X-Real-IP, Via, ...).
bool is_client_address_header(std::string_view name);

// The headers with every credential's value replaced by "[redacted]", for storing or showing.
void redact_credentials(Headers& headers);

// Why a header cannot be sent as it is (a name that is not an RFC 9110 token; CR, LF or NUL anywhere, which would end
// the header early and let the rest be read as more headers or another request); nullopt when it can.
std::optional<std::string> unsafe_header(const Header& header);

// Parses "Name: value" (as given to curl -H); nullopt when there is no colon, the name is empty or not a token, or
// the value has CR, LF or NUL.
std::optional<Header> parse_header_line(std::string_view line);

} // namespace acx::util
