#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acx/signing/secret.hpp"
#include "acx/signing/verdict.hpp"
#include "acx/util/headers.hpp"

namespace acx::signing {

// What a scheme may look at in a delivery: the raw body bytes, the headers and the request URL (path and query, or a
// full URL).
struct Message {
  std::string_view body;
  const util::Headers& headers;
  std::string_view url;
  // False when the URL's path is the receiver's own, with no segment for a token after it: then a token can only be
  // in the query, and a URL without one is missing its token rather than holding a wrong one.
  bool path_may_hold_token = true;
};

// What signing asks for: the raw body, a message id and a Unix timestamp (for schemes that carry them), and the URL
// the delivery goes to (for schemes that put the secret there).
struct SignRequest {
  std::string_view body;
  std::string id;
  std::int64_t timestamp = 0;
  std::string url;
};

// What signing produces: headers to add, and the URL to deliver to (unchanged unless the scheme puts the secret in
// it).
struct Signature {
  util::Headers headers;
  std::string url;
};

// The signature schemes acx knows.
enum class Kind { standard, svix, hmac, github, shopify, token, none };

// What sets a kind apart, in one table (scheme.cpp): every question about a scheme is answered here, never by
// comparing its name.
struct Traits {
  Kind kind;
  std::string_view name;   // as --scheme spells it
  std::string_view header; // the header its signature travels in; empty: token (the URL) and none
  bool takes_secret;       // false for none only
  bool signs_body;         // an HMAC of the body: a changed body fails
  bool timestamped;        // signs a timestamp, checked against a tolerance (standard)
  bool hmac_family;        // a preset of the generic HMAC scheme: the --hmac-* options apply
  bool whsec_secret;       // the secret is whsec_<base64> (standard); else hex, or any text for a token
};

const Traits& traits(Kind kind);
// The kind --scheme names, or nullopt.
std::optional<Kind> parse_kind(std::string_view name);
// The same; throws acx::Error (usage) naming the kinds for a name that is none of them.
Kind kind_named(std::string_view name);
// The names of kinds(): standard, hmac, github, shopify, token, none.
std::vector<std::string> scheme_names();
// Every kind, in the order help lists them.
const std::vector<Kind>& kinds();

// One way of proving a delivery came from whoever holds the secret. Every scheme signs and verifies the raw bytes.
class Scheme {
public:
  virtual ~Scheme() = default;
  virtual Kind kind() const = 0;
  std::string_view name() const { return traits(kind()).name; }
  // Signs with the first secret.
  virtual Signature sign(const SignRequest& request) const = 0;
  // Verifies against every secret (rotation): any one that matches is enough.
  virtual Verdict verify(const Message& message, std::int64_t now_unix) const = 0;
};

enum class Encoding { hex, base64 };

// A secret being rotated out: it still verifies until `until` (Unix seconds), and is refused after, saying so.
struct Previous {
  Secret secret;
  std::int64_t until = 0;
};

// Everything needed to build a scheme. Unset HMAC fields take the preset's values.
struct SchemeOptions {
  Kind kind = Kind::token; // what every command uses when no --scheme is given and a secret is
  std::vector<Secret> secrets;
  std::vector<Previous> previous; // verify only: each until its time (--previous-secret, --previous-until)
  std::chrono::seconds tolerance{300};
  std::optional<std::string> hmac_header;
  std::optional<std::string> hmac_prefix;
  std::optional<Encoding> hmac_encoding;
};

// A fresh secret of 256 random bits in the form the scheme takes: whsec_<base64> for standard, hex for the others.
// Throws acx::Error (usage) for none, which takes no secret.
std::string new_secret(Kind kind);

// A fresh Ed25519 key pair for Standard Webhooks' asymmetric signatures (v1a): the sender's secret key,
// whsk_<base64 of the seed and the public key, 64 bytes, as libsodium keeps one>, and the receivers' public key,
// whpk_<base64 of 32 bytes>.
struct KeyPair {
  std::string secret_key;
  std::string public_key;
};
KeyPair new_key_pair();

// Builds a scheme. Throws acx::Error (usage) for an unknown name, a missing secret, or a secret that is not in the
// scheme's form (naming its position, never its value).
std::unique_ptr<Scheme> make_scheme(const SchemeOptions& options);

} // namespace acx::signing
