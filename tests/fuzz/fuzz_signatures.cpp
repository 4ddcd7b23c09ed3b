// Fuzz target: every scheme's reading of signature headers and URLs. The input is split at its first two newlines
// into a header value, a URL, and a body; each scheme verifies it with a fixed secret (and rotation).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "acx/signing/scheme.hpp"
#include "acx/util/headers.hpp"

namespace {

struct Schemes {
  std::vector<std::unique_ptr<acx::signing::Scheme>> all;
  Schemes()
  {
    for (const auto kind : acx::signing::kinds()) {
      acx::signing::SchemeOptions o;
      o.kind = kind;
      if (kind == acx::signing::Kind::standard) {
        o.secrets.emplace_back("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        o.secrets.emplace_back("whsec_dGhpcyBpcyBhIHNlY29uZCBzZWNyZXQ=");
      } else if (kind != acx::signing::Kind::none) {
        o.secrets.emplace_back("s3cret");
      }
      all.push_back(acx::signing::make_scheme(o));
    }
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const Schemes schemes;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto first = in.find('\n');
  const std::string_view value = in.substr(0, first);
  const std::string_view rest = first == std::string_view::npos ? std::string_view() : in.substr(first + 1);
  const auto second = rest.find('\n');
  const std::string_view url = rest.substr(0, second);
  const std::string_view body = second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);
  acx::util::Headers headers;
  for (const char* name : {"webhook-id", "webhook-timestamp", "webhook-signature", "X-Acx-Signature",
                           "X-Hub-Signature-256", "X-Shopify-Hmac-Sha256"}) {
    headers.add(name, std::string(value));
  }
  for (const auto& scheme : schemes.all) {
    (void)scheme->verify(acx::signing::Message{body, headers, url}, 1'700'000'000);
    (void)scheme->verify(acx::signing::Message{body, headers, url, false}, 1'700'000'000);
  }
  return 0;
}
