#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acx/contract/contract.hpp"
#include "acx/journal/record.hpp"
#include "acx/relay/wire.hpp"

namespace acx::relay {

// What a laptop takes from its relay: the same bounds a delivery posted to it directly meets.
struct Admission {
  std::size_t max_body = 1u << 20;       // the laptop's --max-body
  std::size_t max_headers = 100;         // header lines
  std::size_t max_head = 8u << 10;       // their bytes, as "Name: value\r\n" (the server's head space)
  std::size_t max_path = 2048;           // bytes of the path it was posted to
  std::chrono::seconds future_skew{300}; // a received time later than now by more is refused
  // The laptop's --contract: a relayed delivery's drift is recorded as a direct one's is; never a refusal (the relay
  // already acknowledged it to AccuLynx).
  std::shared_ptr<const contract::Contract> contract;
};

// Why a relayed delivery was refused: a word for /metrics (acx_upstream_refused_total{reason=...}), one of
// refusal_reasons(), and a sentence.
struct Refused {
  std::string_view reason;
  std::string detail;
};

// Every reason a relayed delivery is refused for: "invalid", "mismatch", "too_large", "headers", "time", "path", and
// the puller's own "sequence".
const std::vector<std::string_view>& refusal_reasons();

// A relayed delivery as the local journal keeps it, checked as the listener checks a delivery it receives: the body an
// AccuLynx envelope whose own eventId and topic are the ones the relay named, within --max-body; headers bounded in
// number and size, each one that could be sent; a received time not in the future; a path without control characters.
// The facts (subject, gist) are derived here from the body, never taken from the relay. `remote` is the relay's host.
struct Admitted {
  std::optional<journal::Record> record;
  Refused refused; // when there is no record
};
Admitted admit(Delivery d, const Admission& limits, const std::string& remote, util::Instant now);

} // namespace acx::relay
