#pragma once

// Hydration (a consumer's `hydrate`): the event handed over with the resources its _links name, fetched from
// AccuLynx's API. The forwarder knows only this interface; the command gives it the one that asks the API.

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "acx/journal/record.hpp"

namespace acx::forward {

// The envelope's member that holds what hydration added: {"job": {...}, "contact": {...}}, next to topicName, event...
inline constexpr const char* k_hydrated_member = "hydrated";

class Hydrate {
public:
  virtual ~Hydrate() = default;
  // The body to hand over: the envelope (its members as sent) with k_hydrated_member added, holding each of `kinds`
  // ("job", "contact") the event names. Blocks while the API budget or a 429 holds a fetch back (the event's lane
  // waits). Throws std::exception when it cannot (the attempt fails, and is tried again unless the consumer takes
  // events thin).
  virtual std::string body(const journal::Record& record, const std::vector<std::string>& kinds,
                           std::stop_token stop) = 0;

  struct Stats {
    std::uint64_t fetches = 0;  // API requests made
    std::uint64_t hits = 0;     // resources taken from the cache instead
    std::uint64_t waits = 0;    // fetches held back by the budget or a 429
    std::uint64_t failures = 0; // bodies that could not be made
  };
  virtual Stats stats() const = 0;
};

} // namespace acx::forward
