#include "acx/signing/scheme.hpp"

#include <fmt/format.h>

#include "acx/signing/schemes.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::signing {

std::string_view reason_name(Reason r)
{
  switch (r) {
  case Reason::verified:
    return "verified";
  case Reason::missing:
    return "missing";
  case Reason::malformed:
    return "malformed";
  case Reason::too_old:
    return "too_old";
  case Reason::too_new:
    return "too_new";
  case Reason::mismatch:
    return "mismatch";
  }
  return "mismatch";
}

namespace {

// kind, name, header, takes_secret, signs_body, timestamped, hmac_family, whsec_secret
constexpr Traits k_traits[] = {
    {Kind::standard, "standard", "webhook-signature", true, true, true, false, true},
    // Standard Webhooks under Svix's header names (svix-id, svix-timestamp, svix-signature), as Svix sends them.
    {Kind::svix, "svix", "svix-signature", true, true, true, false, true},
    {Kind::hmac, "hmac", "X-Acx-Signature", true, true, false, true, false},
    {Kind::github, "github", "X-Hub-Signature-256", true, true, false, true, false},
    {Kind::shopify, "shopify", "X-Shopify-Hmac-SHA256", true, true, false, true, false},
    {Kind::token, "token", "", true, false, false, false, false},
    {Kind::none, "none", "", false, false, false, false, false},
};

} // namespace

const Traits& traits(Kind kind)
{
  for (const Traits& t : k_traits) {
    if (t.kind == kind) {
      return t;
    }
  }
  return k_traits[std::size(k_traits) - 1];
}

std::optional<Kind> parse_kind(std::string_view name)
{
  for (const Traits& t : k_traits) {
    if (t.name == name) {
      return t.kind;
    }
  }
  return std::nullopt;
}

std::vector<std::string> scheme_names()
{
  std::vector<std::string> out;
  for (const Traits& t : k_traits) {
    out.emplace_back(t.name);
  }
  return out;
}

Kind kind_named(std::string_view name)
{
  if (auto kind = parse_kind(name)) {
    return *kind;
  }
  throw Error(ExitCode::usage, fmt::format("unknown scheme '{}': expected one of {}", util::excerpt(name),
                                           fmt::join(scheme_names(), ", ")));
}

const std::vector<Kind>& kinds()
{
  static const std::vector<Kind> all = [] {
    std::vector<Kind> out;
    for (const Traits& t : k_traits) {
      out.push_back(t.kind);
    }
    return out;
  }();
  return all;
}

std::string new_secret(Kind kind)
{
  if (!traits(kind).takes_secret) {
    throw Error(ExitCode::usage, fmt::format("--scheme {} takes no secret", traits(kind).name));
  }
  const util::Bytes bits = util::random_bytes(32);
  return traits(kind).whsec_secret ? "whsec_" + util::base64_encode(bits) : util::hex_encode(bits);
}

KeyPair new_key_pair()
{
  util::Bytes seed = util::ed25519_new_seed();
  const util::Bytes public_key = util::ed25519_public_key(seed);
  seed.insert(seed.end(), public_key.begin(), public_key.end());
  return {"whsk_" + util::base64_encode(seed), "whpk_" + util::base64_encode(public_key)};
}

namespace {

struct NoneScheme final : Scheme {
  Kind kind() const override { return Kind::none; }
  Signature sign(const SignRequest& request) const override { return {{}, request.url}; }
  Verdict verify(const Message&, std::int64_t) const override
  {
    return {Reason::verified, "not checked (scheme none)"};
  }
};

// What another scheme left in a request, so a refusal for a missing signature can say the two sides disagree.
std::string foreign_trace(const Message& m, Kind own)
{
  for (const Traits& t : k_traits) {
    if (t.kind == own || !t.takes_secret) {
      continue;
    }
    const bool header = !t.header.empty();
    if (header ? m.headers.find(t.header) != nullptr
               : m.url.find("?token=") != std::string_view::npos || m.url.find("&token=") != std::string_view::npos) {
      return fmt::format("; the request carries {} (as --scheme {} signs): sender and receiver need the same "
                         "--scheme",
                         header ? fmt::format("the header {}", t.header) : std::string("a token in the URL"), t.name);
    }
  }
  return {};
}

// Any scheme, with a refusal for a missing signature that names the scheme the request was signed with instead.
struct Explained final : Scheme {
  explicit Explained(std::unique_ptr<Scheme> inner) : m_inner(std::move(inner)) {}
  Kind kind() const override { return m_inner->kind(); }
  Signature sign(const SignRequest& request) const override { return m_inner->sign(request); }
  Verdict verify(const Message& message, std::int64_t now_unix) const override
  {
    Verdict v = m_inner->verify(message, now_unix);
    if (v.reason == Reason::missing) {
      v.detail += foreign_trace(message, kind());
    }
    return v;
  }

private:
  std::unique_ptr<Scheme> m_inner;
};

// Timed rotation: the current secrets, then each previous one while its time has not come; a delivery signed with one
// whose time passed is refused, saying it expired.
struct Rotating final : Scheme {
  struct Old {
    std::unique_ptr<Scheme> scheme;
    std::int64_t until;
  };
  Rotating(std::unique_ptr<Scheme> current, std::vector<Old> old) : m_current(std::move(current)), m_old(std::move(old))
  {
  }
  Kind kind() const override { return m_current->kind(); }
  Signature sign(const SignRequest& request) const override { return m_current->sign(request); }
  Verdict verify(const Message& message, std::int64_t now_unix) const override
  {
    Verdict v = m_current->verify(message, now_unix);
    if (v.ok() || v.reason != Reason::mismatch) {
      return v; // a missing, malformed or stale signature is no matter of which secret
    }
    for (const auto& old : m_old) {
      if (!old.scheme->verify(message, now_unix).ok()) {
        continue;
      }
      const std::string until = util::format_rfc3339_seconds(old.until);
      if (now_unix < old.until) {
        return {Reason::verified, fmt::format("verified with the previous secret (it verifies until {})", until)};
      }
      return {Reason::mismatch, fmt::format("signed with the previous secret, which expired at {} "
                                            "(--previous-until): the sender must sign with the new one",
                                            until)};
    }
    return v;
  }

private:
  std::unique_ptr<Scheme> m_current;
  std::vector<Old> m_old;
};

detail::HmacSettings hmac_preset(Kind kind)
{
  const std::string header(traits(kind).header);
  if (kind == Kind::shopify) {
    return {header, "", Encoding::base64};
  }
  return {header, "sha256=", Encoding::hex};
}

} // namespace

namespace detail {
std::unique_ptr<Scheme> make_none()
{
  return std::make_unique<NoneScheme>();
}
} // namespace detail

namespace {
std::unique_ptr<Scheme> make_bare_scheme(const SchemeOptions& o)
{
  const Traits& t = traits(o.kind);
  if (!t.takes_secret) {
    return detail::make_none();
  }
  if (o.secrets.empty()) {
    throw Error(ExitCode::usage,
                fmt::format("--scheme {} needs at least one --secret (or --secret-file, or ACX_SECRET); --scheme none "
                            "sends or accepts deliveries unsigned",
                            t.name));
  }
  for (std::size_t i = 0; i < o.secrets.size(); ++i) {
    if (o.secrets[i].reveal().empty()) {
      throw Error(ExitCode::usage, fmt::format("--secret #{} is empty", i + 1));
    }
  }
  if (t.hmac_family) {
    auto s = hmac_preset(o.kind);
    s.header = o.hmac_header.value_or(s.header);
    s.prefix = o.hmac_prefix.value_or(s.prefix);
    s.encoding = o.hmac_encoding.value_or(s.encoding);
    return detail::make_hmac(o.kind, o.secrets, std::move(s));
  }
  if (o.kind == Kind::standard || o.kind == Kind::svix) {
    return detail::make_standard(o.kind, o.secrets, o.tolerance);
  }
  return detail::make_token(o.secrets);
}
} // namespace

std::unique_ptr<Scheme> make_scheme(const SchemeOptions& o)
{
  auto scheme = make_bare_scheme(o);
  if (!traits(scheme->kind()).takes_secret) {
    return scheme;
  }
  if (!o.previous.empty()) {
    std::vector<Rotating::Old> old;
    for (std::size_t i = 0; i < o.previous.size(); ++i) {
      SchemeOptions one = o;
      one.secrets = {o.previous[i].secret};
      one.previous.clear();
      try {
        old.push_back({make_bare_scheme(one), o.previous[i].until});
      } catch (const Error& e) {
        throw Error(ExitCode::usage, fmt::format("--previous-secret #{}: {}", i + 1, e.what()));
      }
    }
    scheme = std::make_unique<Rotating>(std::move(scheme), std::move(old));
  }
  return std::make_unique<Explained>(std::move(scheme));
}

} // namespace acx::signing
