#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "acx/config/config.hpp"
#include "acx/signing/scheme.hpp"

namespace acx::config {

// How deliveries for a profile's subscriptions prove where they come from: the one rule that `acx listen --profile`
// and `acx check --profile` share.
struct Credentials {
  signing::Kind kind = signing::Kind::token;
  std::vector<std::string> secrets;                          // one per subscription that has one, in order
  std::vector<std::pair<std::string, std::string>> previous; // being rotated out: secret, until (RFC 3339)
  std::set<std::string> subscriptions;                       // their ids, lower case
  bool token_in_path = false; // a registered URL carries its token as the last path segment
  std::string path;           // the first subscription's URL path (what a listener receives on)
};

// The scheme is `asked` (--scheme) if given, else standard when the API signs every one of `subscriptions` (each has
// a signing secret: acx sandbox --sign standard), else token (AccuLynx's own). The secrets are each subscription's
// signing secret for standard, its token otherwise.
Credentials credentials(const std::vector<Subscribed>& subscriptions, std::optional<signing::Kind> asked);

} // namespace acx::config
