#pragma once

#include <string>
#include <string_view>

namespace acx::signing {

// Why a verification ended as it did.
enum class Reason {
  verified,  // a signature or token matched
  missing,   // a header or token the scheme needs is absent
  malformed, // present but not in the scheme's form
  too_old,   // the timestamp is further in the past than the tolerance
  too_new,   // the timestamp is further in the future than the tolerance
  mismatch,  // well-formed, but nothing matched: wrong secret, or body/id/timestamp altered
};

// The machine-readable name of a reason ("verified", "missing_header", ...), used in JSON and metrics labels.
std::string_view reason_name(Reason r);

// The outcome of a verification: a reason, and a sentence for a person that names headers and figures but never a
// secret.
struct Verdict {
  Reason reason = Reason::mismatch;
  std::string detail;

  bool ok() const { return reason == Reason::verified; }
};

} // namespace acx::signing
