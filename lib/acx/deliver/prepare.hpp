#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "acx/contract/vary.hpp"
#include "acx/deliver/delivery.hpp"
#include "acx/event/source.hpp"
#include "acx/signing/scheme.hpp"

namespace acx::deliver {

// How envelopes become requests.
struct PrepareOptions {
  std::string url;
  signing::SchemeOptions scheme;
  util::Headers extra_headers;
  bool fresh = true;                        // a new eventId and eventDateTime for each event
  bool resign = true;                       // false (--verbatim): the exact bytes and original headers
  std::optional<std::string> subscription;  // sets subscriptionId
  std::vector<std::string> assignments;     // --set PATH=VALUE
  std::optional<contract::Variation> drift; // --drift KIND: what AccuLynx promises nothing against
  // Adversarial deliveries, to test the receiving end.
  std::size_t duplicate = 1;    // each request this many times (same eventId, same signature)
  bool out_of_order = false;    // shuffle the requests
  std::chrono::seconds skew{0}; // eventDateTime and signature timestamp moved by this much
  bool tamper = false;          // alter the body after signing
  bool wrong_secret = false;    // sign with a random secret instead
};

// Signs final bodies as PrepareOptions say (scheme, secret or --wrong-secret, skew, extra headers, --tamper).
class Signer {
public:
  explicit Signer(const PrepareOptions& options);
  ~Signer();
  Signer(Signer&&) noexcept;
  // The request for `body`: signature headers (or the URL with the token), extra headers, tampering.
  Outgoing sign(std::string body, std::string event_id) const;

private:
  const PrepareOptions* m_options;
  std::unique_ptr<signing::Scheme> m_scheme;
};

// Turns envelopes into signed requests, in order (or shuffled). Each envelope is edited as asked, then validated:
// throws acx::Error (bad_input) naming its origin and every problem when it is not a valid envelope.
std::vector<Outgoing> prepare(const std::vector<event::SourceEvent>& events, const PrepareOptions& options);

} // namespace acx::deliver
