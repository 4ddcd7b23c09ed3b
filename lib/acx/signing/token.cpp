// The secret in the consumer URL: a `token` query parameter, or else the last path segment. This is how AccuLynx
// deliveries are protected today, since AccuLynx signs nothing.
#include <fmt/format.h>

#include "acx/signing/schemes.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/text.hpp"

namespace acx::signing::detail {

namespace {

struct Found {
  std::optional<std::string> token;
  std::string_view where;
  bool bad_escape = false;
};

// Finds the token: the `token` query parameter, else the last non-empty path segment.
Found find_token(std::string_view url)
{
  const auto hash = url.find('#');
  if (hash != std::string_view::npos) {
    url = url.substr(0, hash);
  }
  const auto q = url.find('?');
  if (q != std::string_view::npos) {
    for (std::string_view pair : util::split(url.substr(q + 1), '&')) {
      if (pair.starts_with("token=")) {
        auto v = util::percent_decode(pair.substr(6));
        return {v, "the token query parameter of the URL", !v.has_value()};
      }
    }
    url = url.substr(0, q);
  }
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    const auto path_start = url.find('/', scheme_end + 3);
    url = path_start == std::string_view::npos ? std::string_view() : url.substr(path_start);
  }
  while (!url.empty() && url.back() == '/') {
    url.remove_suffix(1);
  }
  const auto slash = url.rfind('/');
  const std::string_view last = slash == std::string_view::npos ? url : url.substr(slash + 1);
  if (last.empty()) {
    return {std::nullopt, "", false};
  }
  auto v = util::percent_decode(last);
  return {v, "the URL has no ?token= and its last path segment", !v.has_value()};
}

class TokenScheme final : public Scheme {
public:
  explicit TokenScheme(const std::vector<Secret>& secrets) : m_secrets(secrets)
  {
    for (const auto& secret : m_secrets) {
      m_digests.push_back(digest(secret.reveal()));
    }
  }

  Kind kind() const override { return Kind::token; }

  Signature sign(const SignRequest& r) const override
  {
    std::string url = r.url;
    const auto hash = url.find('#');
    const std::string fragment = hash == std::string::npos ? "" : url.substr(hash);
    url = url.substr(0, hash);
    url += url.find('?') == std::string::npos ? "?" : "&";
    url += "token=" + util::percent_encode(m_secrets.front().reveal()) + fragment;
    return {{}, std::move(url)};
  }

  Verdict verify(const Message& m, std::int64_t) const override
  {
    const std::string_view url = m.path_may_hold_token ? m.url : m.url.substr(std::min(m.url.find('?'), m.url.size()));
    const Found f = find_token(url);
    if (f.bad_escape) {
      return {Reason::malformed, fmt::format("{} has a bad %-escape", f.where)};
    }
    if (!f.token) {
      return {Reason::missing, "no token in the URL: expected ?token=... or a last path segment"};
    }
    const auto presented = digest(*f.token);
    for (const auto& expected : m_digests) {
      if (util::constant_time_equal(presented, expected)) {
        return {Reason::verified, "verified"};
      }
    }
    return {Reason::mismatch, m_secrets.size() == 1
                                  ? fmt::format("{} does not match the secret", f.where)
                                  : fmt::format("{} matches none of the {} secrets", f.where, m_secrets.size())};
  }

private:
  // Tokens are compared through a keyed digest so that the comparison takes the same time whatever their lengths.
  static util::Digest digest(std::string_view token) { return util::hmac_sha256(util::as_bytes("acx-token"), {token}); }

  std::vector<Secret> m_secrets;
  std::vector<util::Digest> m_digests;
};

} // namespace

std::unique_ptr<Scheme> make_token(const std::vector<Secret>& secrets)
{
  return std::make_unique<TokenScheme>(secrets);
}

} // namespace acx::signing::detail
