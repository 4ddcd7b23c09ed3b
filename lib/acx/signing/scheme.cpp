#include "acx/signing/scheme.hpp"

#include <fmt/format.h>

#include "acx/signing/schemes.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/error.hpp"

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

const std::vector<std::string>& scheme_names()
{
  static const std::vector<std::string> names{"standard", "hmac", "github", "shopify", "token", "none"};
  return names;
}

std::string new_secret(std::string_view scheme)
{
  if (scheme == "none") {
    throw Error(ExitCode::usage, "--scheme none takes no secret");
  }
  const util::Bytes bits = util::random_bytes(32);
  return scheme == "standard" ? "whsec_" + util::base64_encode(bits) : util::hex_encode(bits);
}

namespace {

struct NoneScheme final : Scheme {
  std::string_view name() const override { return "none"; }
  Signature sign(const SignRequest& request) const override { return {{}, request.url}; }
  Verdict verify(const Message&, std::int64_t) const override
  {
    return {Reason::verified, "not checked (scheme none)"};
  }
};

// What another scheme leaves in a request, so a refusal for a missing signature can say the two sides disagree.
struct Trace {
  const char* scheme;
  const char* header; // or nullptr: a token in the URL's query
};
constexpr Trace k_traces[] = {{"standard", "webhook-signature"},
                              {"github", "X-Hub-Signature-256"},
                              {"shopify", "X-Shopify-Hmac-Sha256"},
                              {"hmac", "X-Acx-Signature"},
                              {"token", nullptr}};

std::string foreign_trace(const Message& m, std::string_view own)
{
  for (const Trace& t : k_traces) {
    if (t.scheme == own) {
      continue;
    }
    if (t.header ? m.headers.find(t.header) != nullptr
                 : m.url.find("?token=") != std::string_view::npos || m.url.find("&token=") != std::string_view::npos) {
      return fmt::format("; the request carries {} (as --scheme {} signs): sender and receiver need the same "
                         "--scheme",
                         t.header ? fmt::format("a {} header", t.header) : std::string("a token in the URL"), t.scheme);
    }
  }
  return {};
}

// Any scheme, with a refusal for a missing signature that names the scheme the request was signed with instead.
struct Explained final : Scheme {
  explicit Explained(std::unique_ptr<Scheme> inner) : m_inner(std::move(inner)) {}
  std::string_view name() const override { return m_inner->name(); }
  Signature sign(const SignRequest& request) const override { return m_inner->sign(request); }
  Verdict verify(const Message& message, std::int64_t now_unix) const override
  {
    Verdict v = m_inner->verify(message, now_unix);
    if (v.reason == Reason::missing) {
      v.detail += foreign_trace(message, name());
    }
    return v;
  }

private:
  std::unique_ptr<Scheme> m_inner;
};

detail::HmacSettings hmac_preset(const std::string& name)
{
  if (name == "github") {
    return {"X-Hub-Signature-256", "sha256=", Encoding::hex};
  }
  if (name == "shopify") {
    return {"X-Shopify-Hmac-SHA256", "", Encoding::base64};
  }
  return {"X-Acx-Signature", "sha256=", Encoding::hex};
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
  if (o.name == "none") {
    return detail::make_none();
  }
  if (o.secrets.empty()) {
    throw Error(ExitCode::usage,
                fmt::format("--scheme {} needs at least one --secret (or --secret-file, or ACX_SECRET); --scheme none "
                            "sends or accepts deliveries unsigned",
                            o.name));
  }
  for (std::size_t i = 0; i < o.secrets.size(); ++i) {
    if (o.secrets[i].reveal().empty()) {
      throw Error(ExitCode::usage, fmt::format("--secret #{} is empty", i + 1));
    }
  }
  if (o.name == "standard") {
    return detail::make_standard(o.secrets, o.tolerance);
  }
  if (o.name == "token") {
    return detail::make_token(o.secrets);
  }
  if (o.name == "hmac" || o.name == "github" || o.name == "shopify") {
    auto s = hmac_preset(o.name);
    s.header = o.hmac_header.value_or(s.header);
    s.prefix = o.hmac_prefix.value_or(s.prefix);
    s.encoding = o.hmac_encoding.value_or(s.encoding);
    return detail::make_hmac(o.name, o.secrets, std::move(s));
  }
  throw Error(ExitCode::usage,
              fmt::format("unknown scheme '{}': expected one of {}", o.name, fmt::join(scheme_names(), ", ")));
}
} // namespace

std::unique_ptr<Scheme> make_scheme(const SchemeOptions& o)
{
  auto scheme = make_bare_scheme(o);
  if (scheme->name() == "none") {
    return scheme;
  }
  return std::make_unique<Explained>(std::move(scheme));
}

} // namespace acx::signing
