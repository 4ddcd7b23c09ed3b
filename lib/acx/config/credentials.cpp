#include "acx/config/credentials.hpp"

#include <algorithm>

#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

namespace acx::config {

Credentials credentials(const std::vector<Subscribed>& subscriptions, std::optional<signing::Kind> asked)
{
  Credentials out;
  const bool all_signed =
      !subscriptions.empty() && std::all_of(subscriptions.begin(), subscriptions.end(),
                                            [](const Subscribed& s) { return !s.signing_secret.empty(); });
  out.kind = asked ? *asked : all_signed ? signing::Kind::standard : signing::Kind::token;
  for (const auto& s : subscriptions) {
    const bool signs = out.kind == signing::Kind::standard || out.kind == signing::Kind::svix;
    const std::string& secret = signs ? s.signing_secret : s.token;
    if (!secret.empty()) {
      out.secrets.push_back(secret);
    }
    const std::string& previous = signs ? s.previous_signing_secret : s.previous_token;
    if (!previous.empty()) {
      out.previous.emplace_back(previous, s.previous_until);
    }
    out.subscriptions.insert(util::to_lower(s.id));
    out.token_in_path = out.token_in_path || s.secret_in == "path";
  }
  if (!subscriptions.empty()) {
    if (const auto url = util::parse_url(subscriptions.front().url)) {
      out.path = url->target.substr(0, url->target.find('?'));
    }
  }
  return out;
}

} // namespace acx::config
