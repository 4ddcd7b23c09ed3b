// HMAC-SHA256 of the raw body in one header: X-Acx-Signature (sha256=<hex>), GitHub's X-Hub-Signature-256,
// Shopify's X-Shopify-Hmac-SHA256 (base64); header, prefix and encoding configurable.
#include <fmt/format.h>

#include "acx/signing/schemes.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/text.hpp"

namespace acx::signing::detail {

namespace {

class HmacScheme final : public Scheme {
public:
  HmacScheme(Kind kind, const std::vector<Secret>& secrets, HmacSettings settings)
      : m_kind(kind), m_secrets(secrets), m_settings(std::move(settings))
  {
  }

  Kind kind() const override { return m_kind; }

  Signature sign(const SignRequest& r) const override
  {
    const auto mac = util::hmac_sha256(util::as_bytes(m_secrets.front().reveal()), {r.body});
    const std::string encoded = m_settings.encoding == Encoding::hex ? util::hex_encode(mac) : util::base64_encode(mac);
    util::Headers h;
    h.add(m_settings.header, m_settings.prefix + encoded);
    return {std::move(h), r.url};
  }

  Verdict verify(const Message& m, std::int64_t) const override
  {
    const std::string* value = m.headers.find(m_settings.header);
    if (!value) {
      return {Reason::missing, fmt::format("missing header {}", m_settings.header)};
    }
    std::string_view text = util::trim(*value);
    if (!text.starts_with(m_settings.prefix)) {
      return {Reason::malformed, fmt::format("{} does not start with \"{}\"", m_settings.header, m_settings.prefix)};
    }
    text.remove_prefix(m_settings.prefix.size());
    const bool hex = m_settings.encoding == Encoding::hex;
    const auto sig = hex ? util::hex_decode(text) : util::base64_decode(text);
    if (!sig || sig->size() != 32) {
      return {Reason::malformed,
              fmt::format("{} is not a {}-encoded SHA-256 HMAC", m_settings.header, hex ? "hex" : "base64")};
    }
    for (const auto& secret : m_secrets) {
      if (util::constant_time_equal(util::hmac_sha256(util::as_bytes(secret.reveal()), {m.body}), *sig)) {
        return {Reason::verified, "verified"};
      }
    }
    return {Reason::mismatch,
            fmt::format("no signature matched ({} secret{}): the secret is wrong or the body was altered",
                        m_secrets.size(), m_secrets.size() > 1 ? "s" : "")};
  }

private:
  Kind m_kind;
  std::vector<Secret> m_secrets;
  HmacSettings m_settings;
};

} // namespace

std::unique_ptr<Scheme> make_hmac(Kind kind, const std::vector<Secret>& secrets, HmacSettings settings)
{
  return std::make_unique<HmacScheme>(kind, secrets, std::move(settings));
}

} // namespace acx::signing::detail
