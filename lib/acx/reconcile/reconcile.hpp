#pragma once

// acx reconcile: what AccuLynx's API says happened (jobs and their history, contacts) against what the journal says
// arrived. Reading each side is apart from matching them, which is pure and tested on its own.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "acx/acculynx/api.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/time.hpp"

namespace acx::reconcile {

// What a change seen through the API means: the topic AccuLynx sends for it, or none.
struct Mapping {
  std::string_view kind;   // "job history" or "contact"
  std::string_view source; // a history entry's action, or the contact's date it is read from
  std::string_view topic;  // empty: AccuLynx sends nothing for it
  std::string_view note;
};
// The one table (docs/ACCULYNX.md shows it).
std::span<const Mapping> mapping();
// The topic sent for a job history entry's action, or nullopt.
std::optional<std::string_view> topic_of_action(std::string_view action);

// A change, as the topic it should have been delivered as.
struct Change {
  std::string subject; // "job:<id>" or "contact:<id>", as the journal names a record's
  std::string topic;
  util::Instant at;
  std::string source; // where it was read: "history 12", "createdDate", "modifiedDate"
  std::string detail; // the history entry's description, or the contact's name
};

// A delivery in the journal, as reconcile sees it.
struct Delivery {
  std::int64_t seq = 0;
  std::string event_id;
  std::string topic;
  std::string subject;
  util::Instant at; // its eventDateTime (when AccuLynx says the change happened), else when it was received
};

struct Window {
  util::Instant since;
  util::Instant until;
};

// What the API shows in the window: jobs modified in it (GET /jobs by ModifiedDate) and each one's history in it, and
// contacts created or modified in it (GET /contacts, every page: AccuLynx keeps no contact history, so a contact's
// changes before its last one are not seen). `progress(done, of)` after each job; stops early, keeping what it read,
// when `stop` is requested.
struct Read {
  std::vector<Change> changes;
  std::size_t jobs = 0;
  std::size_t contacts = 0;
  bool interrupted = false;
};
Read read_changes(acculynx::Api& api, const Window& window, std::stop_token stop,
                  const std::function<void(std::size_t done, std::size_t of)>& progress);

// The journal's accepted deliveries of the mapped topics received since the window's start less `tolerance` (until now:
// a late retry, or an event --repair rebuilt, reports a change in the window).
std::vector<Delivery> read_deliveries(journal::Reader& reader, const Window& window,
                                      std::chrono::milliseconds tolerance);

struct Result {
  std::vector<Change> missed;        // no delivery of its subject and topic near its time
  std::vector<Delivery> unexplained; // in the window, of a mapped topic, matching no change: informational
  std::size_t matched = 0;
};
// Each change takes at most one delivery of its subject and topic: the nearest in time within `tolerance` that no
// earlier change (in time) took. Unexplained deliveries are those left whose time is in the window.
Result match(std::vector<Change> changes, std::vector<Delivery> deliveries, const Window& window,
             std::chrono::milliseconds tolerance);

} // namespace acx::reconcile
