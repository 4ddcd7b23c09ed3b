#include "acx/acculynx/subscription.hpp"

namespace acx::acculynx {

std::string consumer_url_with_token(const std::string& url, const std::string& token, TokenPlace where)
{
  const auto q = url.find('?');
  if (where == TokenPlace::path) {
    std::string base = url.substr(0, q);
    if (!base.ends_with("/")) {
      base += "/";
    }
    return base + token + (q == std::string::npos ? "" : url.substr(q));
  }
  return url + (q == std::string::npos ? "?" : "&") + "token=" + token;
}

} // namespace acx::acculynx
