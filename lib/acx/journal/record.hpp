#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "acx/util/headers.hpp"
#include "acx/util/time.hpp"

namespace acx::journal {

// What became of a delivery.
enum class Status {
  accepted,  // verified, valid, and the first time its eventId was seen
  duplicate, // verified and valid, but its eventId was already accepted
  refused,   // failed verification, validation or the subscription allow-list
};

std::string_view status_name(Status s);

// One delivery as the journal keeps it: the raw body byte for byte, the headers as received, and what was decided.
struct Record {
  std::int64_t seq = 0; // assigned by the journal; accepted and duplicate records share one sequence
  util::Instant received;
  std::string remote;
  std::string path; // where it was posted, its token segment removed ("" in journals before schema 3)
  util::Headers headers;
  std::string headers_json;   // as stored, [["Name","value"],...]; filled when read back
  std::string body;           // refused: at most the first WriterOptions::refused_prefix bytes
  std::size_t body_bytes = 0; // refused: the body's size as received
  std::string body_sha256;    // refused: the whole body's SHA-256, hex
  Status status = Status::accepted;
  std::string reason; // refused: why, as a short name (mismatch, too_old, invalid, subscription, ...)
  std::string detail; // refused: the sentence for a person
  std::string topic;
  std::string event_id;
  std::string subscription_id;
  std::string event_time;
  // Accepted and duplicate records: the facts the listener derived from the event (event::Facts), stored with it so
  // that no reader parses the body again.
  std::string subject; // "job:<id>", "contact:<id>", or empty
  std::string gist;
  // Accepted and duplicate records: how the body differs from its topic's schema (contract::drift_text), "" when it
  // conforms or was not checked (acx listen --contract off).
  std::string drift;
  // Pulled from a relay (listen --upstream): its sequence number there; 0 for a delivery received here.
  std::int64_t relay_seq = 0;
};

// A record rebuilt by `acx reconcile --repair` for a change AccuLynx never delivered: journaled with this remote (never
// an address, so no delivery can claim it) and a header X-Acx-Reconciled: 1.
inline constexpr std::string_view k_reconciled_remote = "reconcile";
inline bool reconciled(const Record& r)
{
  return r.remote == k_reconciled_remote;
}

// The eventId of a change's rebuilt event: a UUID made from its topic, subject and time (the time read as an instant,
// so two spellings of it agree). The same change always gives the same id; a real delivery of that change (its own
// eventId, the same topic, subject and eventDateTime) is stored as a duplicate of the rebuilt one.
std::string change_id(std::string_view topic, std::string_view subject, std::string_view event_time);

} // namespace acx::journal
