#include "acx/util/headers.hpp"

#include "acx/util/crypto.hpp"
#include "acx/util/text.hpp"

namespace acx::util {

const std::string* Headers::find(std::string_view name) const
{
  for (const auto& h : m_list) {
    if (iequals(h.name, name)) {
      return &h.value;
    }
  }
  return nullptr;
}

void Headers::replace_values(std::string_view name, const std::string& value)
{
  for (auto& h : m_list) {
    if (iequals(h.name, name)) {
      h.value = value;
    }
  }
}

std::size_t Headers::count(std::string_view name) const
{
  std::size_t n = 0;
  for (const auto& h : m_list) {
    n += iequals(h.name, name) ? 1 : 0;
  }
  return n;
}

namespace {

bool is_token_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

} // namespace

std::optional<std::string> unsafe_header(const Header& header)
{
  if (header.name.empty()) {
    return std::string("a header with an empty name");
  }
  for (char c : header.name) {
    if (!is_token_char(c)) {
      return "header name " + excerpt(header.name) + " has a character not allowed in a header name";
    }
  }
  if (header.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return "header " + excerpt(header.name) + " has CR, LF or NUL in its value";
  }
  return std::nullopt;
}

std::optional<Header> parse_header_line(std::string_view line)
{
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view name = trim(line.substr(0, colon));
  if (name.empty()) {
    return std::nullopt;
  }
  for (char c : name) {
    if (!is_token_char(c)) {
      return std::nullopt;
    }
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
    value.remove_suffix(1);
  }
  Header h{std::string(name), std::string(trim(value))};
  if (unsafe_header(h)) {
    return std::nullopt;
  }
  return h;
}

bool is_credential_header(std::string_view name)
{
  const std::string n = to_lower(name);
  for (const char* word : {"auth", "token", "secret", "password", "cookie", "key", "session", "credential"}) {
    if (n.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool is_client_address_header(std::string_view name)
{
  const std::string n = to_lower(name);
  return n.starts_with("x-forwarded-") || n == "forwarded" || n == "x-real-ip" || n == "x-client-ip" ||
         n == "true-client-ip" || n == "cf-connecting-ip" || n == "x-cluster-client-ip" || n == "via";
}

std::optional<std::size_t> bearer_of(const Headers& headers, const std::vector<std::string>& tokens)
{
  const std::string* given = headers.find("Authorization");
  if (given == nullptr) {
    return std::nullopt;
  }
  const std::string_view value = trim(*given);
  if (value.size() < 7 || !iequals(value.substr(0, 7), "Bearer ")) {
    return std::nullopt;
  }
  const std::string_view token = trim(value.substr(7));
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (same_token(token, tokens[i]) && !found) {
      found = i;
    }
  }
  return found;
}

void redact_credentials(Headers& headers)
{
  Headers out;
  out.reserve(headers.size());
  for (const auto& h : headers) {
    out.add(h.name, is_credential_header(h.name) ? std::string("[redacted]") : h.value);
  }
  headers = std::move(out);
}

} // namespace acx::util
