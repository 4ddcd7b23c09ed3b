#pragma once

// The concrete schemes, for make_scheme only.

#include "acx/signing/scheme.hpp"

namespace acx::signing::detail {

struct HmacSettings {
  std::string header;
  std::string prefix;
  Encoding encoding;
};

// Standard Webhooks; `kind` svix signs under Svix's header names. Either verifies either naming.
std::unique_ptr<Scheme> make_standard(Kind kind, const std::vector<Secret>& secrets, std::chrono::seconds tolerance);
std::unique_ptr<Scheme> make_hmac(Kind kind, const std::vector<Secret>& secrets, HmacSettings settings);
std::unique_ptr<Scheme> make_token(const std::vector<Secret>& secrets);
std::unique_ptr<Scheme> make_none();

} // namespace acx::signing::detail
