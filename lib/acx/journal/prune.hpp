#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "acx/util/time.hpp"

namespace acx::journal {

// What a journal keeps: deliveries received at or after `since` (older ones go), and at most `max_bytes` of file
// (the oldest go first). Either, both, or neither.
struct Retention {
  std::optional<util::Instant> since;
  std::optional<std::uint64_t> max_bytes;
  bool any() const { return since || max_bytes; }
};

// What a pruning did, or would do (dry run).
struct Pruned {
  std::int64_t deliveries = 0;    // accepted and duplicate records removed
  std::int64_t refused = 0;       // refused records removed
  std::int64_t kept_back = 0;     // records retention would remove that a consumer has not handed over yet
  std::string kept_for;           // that consumer's name
  std::int64_t below = 0;         // every delivery below this sequence number is gone now (0: none ever was)
  std::uint64_t bytes_before = 0; // the journal file's size (the WAL aside)
  std::uint64_t bytes_after = 0;  // ... after the pages were given back
  bool shrinks = true;            // false: a journal created without incremental auto-vacuum keeps its size
};

// Removes old records from a journal, in use or at rest: in small transactions (a listener's commits wait for one at
// most a few milliseconds), never an event a forward consumer has not delivered or given up on, and gives the pages
// back to the file system. Its own connection to the file. Not thread-safe.
class Pruner {
public:
  // Throws acx::Error (io) when the journal is missing or not a journal.
  static std::unique_ptr<Pruner> open(const std::string& path);
  virtual ~Pruner() = default;

  // Removes what `retention` does not keep (with `dry_run`, only counts it). `described` ("older than 30d") is
  // remembered in the journal for acx events stats. Throws acx::Error (io).
  virtual Pruned prune(const Retention& retention, bool dry_run, const std::string& described = {}) = 0;
};

} // namespace acx::journal
