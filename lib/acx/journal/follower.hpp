#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "acx/journal/journal.hpp"

namespace acx::journal {

// Follows a journal that a Writer in this process appends to: the committed accepted and duplicate records after a
// sequence number, in order, from the writer's in-memory tail of recent commits while it reaches back that far, else
// from the file; waiting for the next commit when there is nothing new. Each reader of the journal has its own: the
// listener's printer, every forwarder, the relay's stream. One thread at a time.
class Follower {
public:
  // Starts after `after` (0: from the first record). Throws acx::Error (io) when the journal cannot be read.
  Follower(const std::string& path, const Writer& writer, std::int64_t after);

  // The next records after the cursor, at most `limit`, and moves the cursor past them. Waits up to `wait` for a
  // commit when there is nothing new; empty when none came, or while the journal's database is out of reach.
  std::vector<std::shared_ptr<const Record>> next(std::size_t limit, std::chrono::milliseconds wait);
  // The last sequence number returned (or the start).
  std::int64_t cursor() const { return m_cursor; }

private:
  std::vector<std::shared_ptr<const Record>> read(std::size_t limit);

  const Writer& m_writer;
  std::unique_ptr<Reader> m_reader;
  std::int64_t m_cursor;
  bool m_database; // a database, not a file: out of reach for a while, and back
};

} // namespace acx::journal
