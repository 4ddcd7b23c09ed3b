#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "acx/journal/journal.hpp"

namespace acx::journal {

// The committed accepted and duplicate records after `after`, in order: from the writer's memory of its recent commits
// while it reaches back that far, else (when `file` allows it) from `reader`, at most `limit` and about `max_bytes`
// of bodies (0: any); never one retention pruned, by this process or another (a gap, for whoever must tell it).
// nullopt when they are not in memory and `file` is false. The one way a listener's readers read the journal: the
// Follower's, and the relay hub's for each of its streams.
struct Committed {
  std::vector<std::shared_ptr<const Record>> records;
  bool from_file = false;
  std::int64_t pruned_below = 0; // read when memory had records below it: they were left out
};
std::optional<Committed> read_committed(const Writer& writer, Reader& reader, std::int64_t after, std::size_t limit,
                                        std::size_t max_bytes, bool file);

// Follows a journal that a Writer in this process appends to: the committed accepted and duplicate records after a
// sequence number, in order, from the writer's in-memory tail of recent commits while it reaches back that far, else
// from the file; waiting for the next commit when there is nothing new (woken by the writer's news, never by a clock).
// Each reader of the journal has its own: the listener's printer, every forwarder. One thread at a time.
class Follower {
public:
  // Starts after `after` (0: from the first record). Throws acx::Error (io) when the journal cannot be read.
  Follower(const std::string& path, const Writer& writer, std::int64_t after);

  // The next records after the cursor, at most `limit`, and moves the cursor past them. Waits up to `wait` for a
  // commit when there is nothing new; empty when none came, or while the journal's database is out of reach.
  std::vector<std::shared_ptr<const Record>> next(std::size_t limit, std::chrono::milliseconds wait);
  // The same, waiting without a clock: until a commit brings something (the writer's news wakes it), `stop` is
  // requested, or `until` passes; empty for the last two.
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;
  std::vector<std::shared_ptr<const Record>> next(std::size_t limit, std::stop_token stop, Deadline until = {});
  // The last sequence number returned (or the start).
  std::int64_t cursor() const { return m_cursor; }

private:
  std::vector<std::shared_ptr<const Record>> read(std::size_t limit);

  const Writer& m_writer;
  std::mutex m_news_mutex;
  std::condition_variable_any m_news_cv;
  std::uint64_t m_news = 0;           // commits announced since start
  std::shared_ptr<void> m_subscribed; // the writer's news, while this lives
  std::unique_ptr<Reader> m_reader;
  std::int64_t m_cursor;
  bool m_database; // a database, not a file: out of reach for a while, and back
};

} // namespace acx::journal
