#pragma once

// Drift: how one delivery differs from its topic's schema, as the journal keeps it with the delivery.

#include <string>
#include <string_view>
#include <vector>

namespace acx::contract {

// What kind of difference.
enum class Kind {
  added,   // a member the schema does not describe (allowed: AccuLynx may add fields)
  missing, // a member the schema requires is absent
  type,    // a value of another type than the schema's
  format,  // a string that is not the schema's format (uuid, date-time, uri)
  value,   // anything else the schema says of a value (an enum, a const, a bound)
  topic,   // no schema describes the delivery's topic
  more,    // the differences past the first 50, counted, not kept (path "")
};

std::string_view kind_name(Kind k); // "added", "missing", ...
const std::vector<Kind>& kinds();

// One difference: where (a path in jq's notation, `.event.job.id`, array items as `[]`), what, and the words for it.
struct Deviation {
  Kind kind = Kind::added;
  std::string path;
  std::string detail; // "string, the schema says number"
  bool operator==(const Deviation&) const = default;
};
using Drift = std::vector<Deviation>;

// `.a.b` for member `b` of `.a`; `.a["odd key"]` for a key that is not an identifier.
std::string member_path(std::string_view parent, std::string_view key);
// `.a[]`: the items of the array `.a`.
std::string items_path(std::string_view parent);

// The drift as the journal keeps it: a JSON array of {kind, path, detail}; "" for none.
std::string drift_text(const Drift& drift);
// Read back; entries it cannot read are skipped (a journal is not trusted to be well formed).
Drift parse_drift(std::string_view text);
// For a person: ".event.job.foo: added (string)".
std::string describe(const Deviation& d);

} // namespace acx::contract
