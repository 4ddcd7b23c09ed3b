#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "acx/journal/record.hpp"
#include "acx/util/error.hpp"

namespace acx::journal {

// What an acknowledged (committed) record survives.
enum class Durability {
  disk,    // power loss: each group commit is fsync'd before its appends return
  process, // a crash or kill -9 of acx, not of the machine: written to the WAL before returning, fsync'd in the
           // background at least once a second
};

struct WriterOptions {
  Durability durability = Durability::disk;
  std::size_t max_refused = 10'000;             // refused deliveries kept for diagnosis; older ones are dropped
  std::size_t max_refused_bytes = 32u << 20;    // ... and their stored bodies and headers at most this many bytes
  std::size_t refused_prefix = 4096;            // of a refused body only this much is kept, with its size and hash
  std::chrono::milliseconds commit_wait{5'000}; // append() waits at most this long for its group's commit
  std::size_t max_waiting = 16'384;             // records waiting for a commit; past that appends fail (busy)
  // listen --upstream: records carrying Record::relay_seq advance this upstream's cursor in the transaction that
  // stores them (Reader::upstream_cursor), so that a crash never loses nor doubles one.
  std::string upstream;
};

// Why a journal cannot be written or read now, as its users switch on it: a database out of reach comes back by itself
// (wait and try again), a full disk or a read-only file system when someone acts (keep answering 503, say so), a
// conflict is tried again, a corrupt journal ends what reads it.
enum class Fault { none, unreachable, full, read_only, conflict, corrupt, other };
std::string_view fault_name(Fault f);

// What the journal's writer says of its last commit: none, or a fault and the engine's words for it.
struct Failure {
  Fault fault = Fault::none;
  std::string what; // "database or disk is full"
  explicit operator bool() const { return fault != Fault::none; }
};

// An acx::Error (io) from a journal's engine, with its fault: what readers, writers, outboxes and pruners throw.
class JournalError : public Error {
public:
  JournalError(Fault fault, const std::string& what) : Error(ExitCode::io, what), m_fault(fault) {}
  Fault fault() const { return m_fault; }

private:
  Fault m_fault;
};

// The fault of an error a journal's engine threw (JournalError), else other.
Fault fault_of(const std::exception& e);

// The outcome of an append: stored (with its final status and sequence number), or not, and why.
struct Appended {
  bool stored = false;
  Status status = Status::accepted;
  std::int64_t seq = 0;
  std::string error;
};

// Commit latency figures since start, for /metrics.
struct CommitStats {
  std::uint64_t commits = 0;
  std::uint64_t records = 0;
  double seconds_total = 0;
  std::vector<std::uint64_t> buckets; // cumulative counts per bound in commit_buckets()
};
const std::vector<double>& commit_buckets();

// The only writer of a journal file: an SQLite database in WAL mode, committed in groups. Appends from any number of
// threads queue their records; one committer thread takes everything queued into one transaction (one fsync per
// group, not per record) and then tells each appender its outcome. At most one Writer per file: a lock file next to
// it keeps a second process out.
class Writer {
public:
  // Opens or creates the journal (and its directory, mode 0700; the file 0600) and proves it writable. Throws
  // acx::Error (io) when it is locked by another process, read-only, full, corrupt, or not a journal.
  static std::unique_ptr<Writer> open(const std::string& path, WriterOptions options = {});
  virtual ~Writer() = default;

  // Stores the record durably. An accepted record whose eventId was already accepted is stored as duplicate. Never
  // returns stored=true for a record that is not committed.
  virtual Appended append(Record record) = 0;
  // The same without waiting: `done` is called once, on the journal's committer thread (or on the calling thread
  // when the journal is closed or too many records wait), after the record's group is committed or has failed.
  virtual void append_async(Record record, std::function<void(Appended)> done) = 0;
  // Sets the upstream's cursor (WriterOptions::upstream) to `position` in a transaction of its own, storing nothing:
  // where a laptop starts on a relay, kept before any delivery comes. Waits for the commit.
  virtual Appended set_upstream(std::int64_t position) = 0;
  // Why the last commit failed, until a commit succeeds again; none when it did.
  virtual Failure failure() const = 0;
  // The highest committed sequence number of accepted/duplicate records.
  virtual std::int64_t committed_seq() const = 0;
  // Calls `news` after every commit from now on (this listener's groups, and on a shared journal every other
  // listener's, as PostgreSQL's NOTIFY tells them), on the committing thread, until the handle returned goes: how the
  // listener's readers learn of new records without looking. `news` must only wake its reader.
  virtual std::shared_ptr<void> on_commit(std::function<void()> news) const = 0;
  // Waits until committed_seq() > seq or the timeout passes; returns committed_seq().
  virtual std::int64_t wait_beyond(std::int64_t seq, std::chrono::milliseconds timeout) const = 0;
  // Committed accepted/duplicate records after `seq`, in order, from the writer's in-memory tail of recent commits;
  // nullopt when that tail no longer reaches back to seq + 1 (read them with a Reader instead).
  virtual std::optional<std::vector<std::shared_ptr<const Record>>> recent_after(std::int64_t seq,
                                                                                 std::size_t limit) const = 0;
  // The highest sequence number whose text is indexed for search: the text index is filled behind the write path,
  // when no append waits, so it may lag committed_seq() under load (searches read the rest without it).
  virtual std::int64_t text_indexed() const = 0;
  virtual CommitStats stats() const = 0;
  // What keeps the journal, for /healthz?verbose: "PostgreSQL 15.18", "SQLite 3.40.1".
  virtual std::string engine() const = 0;
  // Commits what is waiting; later appends fail.
  virtual void close() = 0;
};

// A filter for reading records back.
struct Query {
  std::int64_t after_seq = 0;
  std::size_t limit = 1000;
  std::size_t max_bytes = 0; // > 0: no more records once their bodies add up to this (at least one); a journal file
                             // keeps to it, a database reads `limit` (callers bound that for it)
  bool refused = false;      // read refused deliveries instead of accepted/duplicate ones
  bool duplicates = true;    // false: accepted ones only
  std::string topic;         // a topic pattern (event::topic_matches: job.* is every job topic), or any
  std::optional<util::Instant> since, until; // by received time
  bool decode_headers = true;                // false: only Record::headers_json is filled
  std::string subscription;                  // exact subscriptionId, or any
  std::string text;                          // the body or an id contains it, or any
  bool newest_first = false;                 // in descending order, below before_seq (after_seq still applies)
  std::optional<std::int64_t> before_seq;
  std::optional<Status> status; // accepted or duplicate only (deliveries)
  bool drift = false;           // only deliveries whose body differs from its topic's schema
};

// One line of Reader::counts(): accepted, duplicate, refused:REASON, and reconciled (of the accepted ones: rebuilt by
// acx reconcile --repair).
struct Count {
  std::string topic;
  std::string status;
  std::int64_t count = 0;
};

// The journal's oldest record and size, and how far it was pruned, for acx events stats.
struct Extent {
  std::int64_t oldest_seq = 0; // 0 when empty
  std::optional<util::Instant> oldest_received;
  std::int64_t newest_seq = 0;
  std::uint64_t file_bytes = 0;
  std::uint64_t wal_bytes = 0;
  std::int64_t pruned_below = 0; // 0: never pruned
  std::string pruned_at;         // RFC 3339, when it was
  std::string retention;         // what the listener that last pruned it keeps ("30d, 10GiB"), or empty
  std::string engine;            // "PostgreSQL 15.18" for a journal in a database; empty for a file
};

// A read-only view of a journal, safe to use while a Writer (in this or another process) appends.
class Reader {
public:
  // Throws acx::Error (io) when the journal does not exist or cannot be read.
  static std::unique_ptr<Reader> open(const std::string& path);
  virtual ~Reader() = default;

  // Records in sequence order.
  virtual std::vector<Record> read(const Query& query) = 0;
  // The accepted record with this eventId, or the accepted/duplicate record with this sequence number.
  virtual std::optional<Record> find(const std::string& seq_or_event_id) = 0;
  // The refused record with this sequence number (refused records are numbered apart).
  virtual std::optional<Record> find_refused(std::int64_t seq) = 0;
  // The highest sequence number of accepted/duplicate records (0 when empty).
  virtual std::int64_t last_seq() = 0;
  // How many records there are by topic and status (refused ones by reason, as status "refused:<reason>").
  virtual std::vector<Count> counts() = 0;
  // The journal's extent: oldest and newest, size, how far it was pruned.
  virtual Extent extent() = 0;
  // Every delivery below this sequence number was pruned (0: none ever was): Extent::pruned_below, read alone (one
  // row), for readers that check it at each commit.
  virtual std::int64_t pruned_below() = 0;
  // The relay's sequence number of the last delivery stored from `upstream` (WriterOptions::upstream), if any.
  virtual std::optional<std::int64_t> upstream_cursor(const std::string& upstream) = 0;
};

// Whether a journal location is a database (postgresql://...) rather than a file.
bool is_database(const std::string& location);
// The location as it may be shown: a database URI without its password.
std::string shown(const std::string& location);

// Why find(key) found nothing, in words: not in the journal, or pruned by retention.
std::string not_found(Reader& reader, const std::string& key);

// Every record `query` selects, read a page (query.limit) at a time, in order, each handed to `each` as it is read.
void read_each(Reader& reader, Query query, const std::function<void(Record&)>& each);
// Every record `query` selects, in order; with `last` > 0 only the last `last` of them (read newest first).
std::vector<Record> read_all(Reader& reader, Query query, std::size_t last = 0);

} // namespace acx::journal
