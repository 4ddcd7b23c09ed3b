#include "acx/signing/scheme.hpp"

#include <fmt/format.h>

#include "acx/signing/schemes.hpp"
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

namespace {

struct NoneScheme final : Scheme {
  std::string_view name() const override { return "none"; }
  Signature sign(const SignRequest& request) const override { return {{}, request.url}; }
  Verdict verify(const Message&, std::int64_t) const override
  {
    return {Reason::verified, "not checked (scheme none)"};
  }
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

std::unique_ptr<Scheme> make_scheme(const SchemeOptions& o)
{
  if (o.name == "none") {
    return detail::make_none();
  }
  if (o.secrets.empty()) {
    throw Error(ExitCode::usage, fmt::format("--scheme {} needs at least one --secret", o.name));
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

} // namespace acx::signing
