#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>
#include <unistd.h>

#include "acx/journal/journal.hpp"
#include "acx/journal/schema.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/lock_file.hpp"
#include "acx/util/thread.hpp"

namespace acx::journal {

const std::vector<double>& commit_buckets()
{
  static const std::vector<double> buckets{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  return buckets;
}

namespace {

using sqlite::Database;
using sqlite::SqliteError;
using sqlite::Statement;

// How much of the newest committed history the writer keeps in memory for in-process readers.
constexpr std::size_t k_recent_records = 4096;
constexpr std::size_t k_recent_bytes = 16u << 20;
// How long the committer lets a group fill before it commits, unless k_gather_records are waiting already.
constexpr auto k_gather_time = std::chrono::microseconds(200);
constexpr std::size_t k_gather_records = 64;
// Records indexed for text search per transaction when nothing waits: small, so that a delivery arriving meanwhile
// waits little.
constexpr std::size_t k_text_batch = 64;
// ... once deliveries have paused this long, and under a steady load at most one batch this often (so that it never
// doubles the commits nor slows the groups: the index lags under load and catches up after).
constexpr auto k_text_quiet = std::chrono::milliseconds(20);
constexpr auto k_text_every = std::chrono::milliseconds(100);
// The WAL's length, in pages, at which the writer checkpoints (SQLite's own default).
constexpr std::int64_t k_checkpoint_frames = 1000;

std::optional<detail::TextIndex> text_index(Database& db)
{
  Statement has(db, "SELECT count(*) FROM sqlite_master WHERE name = 'deliveries_text'");
  has.step();
  if (has.int64(0) == 0) {
    return std::nullopt;
  }
  return std::optional<detail::TextIndex>(std::in_place, db);
}

// The newest sequence number in the journal. Its statement is finalized before the writer's threads start: the
// connection has no mutex of its own (SQLITE_OPEN_NOMUTEX), and a statement finalized on one thread while the
// committer commits on another corrupted the journal (found after kill -9, when the text index had rows to catch up).
std::int64_t last_seq(Database& db)
{
  Statement last(db, "SELECT coalesce(max(seq), 0) FROM deliveries");
  last.step();
  return last.int64(0);
}

void prepare_file(const std::string& path)
{
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) {
    util::create_private_directories(p.parent_path().string(), "the journal's directory");
  }
  if (fs::is_directory(p, ec)) {
    throw Error(ExitCode::io, fmt::format("journal {} is a directory", path));
  }
  // Created here so that it (and SQLite's -wal and -shm files, which copy its mode) is private from the start.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    throw Error(ExitCode::io, err == EROFS || err == EACCES || err == EPERM
                                  ? fmt::format("journal {} is read-only ({})", path, std::strerror(err))
                                  : fmt::format("cannot open journal {}: {}", path, std::strerror(err)));
  }
  ::close(fd);
}

Database open_db(const std::string& path, Durability durability)
{
  try {
    Database db = detail::connect(path, std::chrono::seconds(2));
    detail::configure(db);
    if (durability == Durability::process) {
      db.exec("PRAGMA synchronous = NORMAL"); // WAL commits are written, not synced: the syncer does that
    }
    detail::ensure_schema(db, path);
    return db;
  } catch (const SqliteError& e) {
    detail::throw_journal_error(path, e);
  }
}

class SqliteWriter final : public Writer {
public:
  SqliteWriter(const std::string& path, WriterOptions options)
      : m_options(options), m_lock(path + ".lock", "journal " + path), m_db(open_db(path, options.durability)),
        m_begin(m_db, "BEGIN IMMEDIATE"), m_commit(m_db, "COMMIT"), m_rollback(m_db, "ROLLBACK"),
        m_insert(m_db,
                 fmt::format("INSERT OR IGNORE INTO deliveries({}, {}, path) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?{})",
                             detail::k_columns, detail::k_fact_columns, detail::k_path_parameter)),
        m_insert_refused(m_db, fmt::format("INSERT INTO refused({}, body_bytes, body_sha256, path) "
                                           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?{})",
                                           detail::k_columns, detail::k_path_parameter)),
        // The newest refusals that fit both bounds stay.
        m_prune(m_db, "DELETE FROM refused WHERE seq <= (SELECT max(seq) FROM refused) - ?1 OR seq < "
                      "(SELECT coalesce(min(seq), 0) FROM (SELECT seq, sum(length(body) + length(headers)) "
                      "OVER (ORDER BY seq DESC) AS kept FROM refused) WHERE kept <= ?2)"),
        m_vacuum(m_db, "PRAGMA incremental_vacuum"),
        m_original(m_db, "SELECT seq, body = ?2 FROM deliveries WHERE event_id = ?1 AND status = 'accepted'"),
        m_insert_duplicate(m_db, fmt::format("INSERT INTO deliveries({}, {}, original, path) "
                                             "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?{})",
                                             detail::k_columns, detail::k_fact_columns, detail::k_path_parameter)),
        m_text(text_index(m_db)),
        m_cursor(m_db, "INSERT OR REPLACE INTO meta(key, value) VALUES('upstream ' || ?1, ?2)")
  {
    m_committed_seq = last_seq(m_db);
    m_text_indexed = m_text ? m_text->indexed() : m_committed_seq;
    m_stats.buckets.assign(commit_buckets().size(), 0);
    if (m_options.durability == Durability::process) {
      // The WAL exists once the schema is ensured (journal_mode = WAL); SQLite keeps it while a connection is open.
      m_wal_fd = ::open((path + "-wal").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      m_syncer = util::Thread("acx-syncer", [this] { sync_in_background(); });
    }
    m_committer = util::Thread("acx-journal", [this] { run_committer(); });
  }

  ~SqliteWriter() override
  {
    close();
    if (m_syncer.joinable()) {
      m_syncer.join();
    }
    if (m_wal_fd >= 0) {
      ::close(m_wal_fd);
    }
  }

  Appended append(Record record) override
  {
    // The outcome is shared with the callback, which may come after this append gave up waiting.
    struct Outcome {
      std::mutex mutex;
      std::condition_variable cv;
      std::optional<Appended> result;
    };
    auto outcome = std::make_shared<Outcome>();
    const Status status = record.status;
    append_async(std::move(record), [outcome](Appended a) {
      std::lock_guard lock(outcome->mutex);
      outcome->result = std::move(a);
      outcome->cv.notify_all();
    });
    std::unique_lock lock(outcome->mutex);
    if (!outcome->cv.wait_for(lock, m_options.commit_wait, [&] { return outcome->result.has_value(); })) {
      return {false, status, 0,
              fmt::format("the journal commit did not finish within {} ms", m_options.commit_wait.count())};
    }
    return std::move(*outcome->result);
  }

  void append_async(Record record, std::function<void(Appended)> done) override
  {
    auto pending = std::make_shared<Pending>();
    pending->row = detail::to_row(record);
    pending->record = std::move(record);
    pending->done = std::move(done);
    std::unique_lock lock(m_mutex);
    if (m_closing || m_waiting.size() >= m_options.max_waiting) {
      const std::string why =
          m_closing ? std::string("the journal is closed")
                    : fmt::format("the journal is busy: {} records wait for their commit", m_waiting.size());
      lock.unlock();
      pending->done({false, pending->record.status, 0, why});
      return;
    }
    m_waiting.push_back(std::move(pending));
    if (m_waiting.size() == 1 || m_waiting.size() == k_gather_records) {
      m_work_cv.notify_one();
    }
  }

  std::string failure() const override
  {
    std::lock_guard lock(m_mutex);
    return m_failure;
  }

  std::int64_t committed_seq() const override
  {
    std::lock_guard lock(m_mutex);
    return m_committed_seq;
  }

  std::int64_t wait_beyond(std::int64_t seq, std::chrono::milliseconds timeout) const override
  {
    std::unique_lock lock(m_mutex);
    m_commit_cv.wait_for(lock, timeout, [&] { return m_committed_seq > seq || m_closed; });
    return m_committed_seq;
  }

  std::optional<std::vector<std::shared_ptr<const Record>>> recent_after(std::int64_t seq,
                                                                         std::size_t limit) const override
  {
    std::lock_guard lock(m_mutex);
    std::vector<std::shared_ptr<const Record>> out;
    if (seq >= m_committed_seq) {
      return out;
    }
    if (m_recent.empty() || m_recent.front()->seq > seq + 1) {
      return std::nullopt;
    }
    // Sequence numbers in m_recent are consecutive: index by difference.
    const auto first = static_cast<std::size_t>(seq + 1 - m_recent.front()->seq);
    for (std::size_t i = first; i < m_recent.size() && out.size() < limit; ++i) {
      out.push_back(m_recent[i]);
    }
    return out;
  }

  std::int64_t text_indexed() const override
  {
    std::lock_guard lock(m_mutex);
    return m_text_indexed;
  }

  CommitStats stats() const override
  {
    std::lock_guard lock(m_mutex);
    return m_stats;
  }

  void close() override
  {
    {
      std::lock_guard lock(m_mutex);
      if (m_closing) {
        return;
      }
      m_closing = true; // whatever was appended before is committed before close returns
    }
    m_work_cv.notify_all();
    m_committer.join();
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_commit_cv.notify_all();
  }

private:
  // With Durability::process: every second, if anything was committed since the last sync, fsyncs the WAL.
  void sync_in_background()
  {
    std::unique_lock lock(m_mutex);
    auto synced = m_stats.commits;
    for (;;) {
      const bool closed = m_commit_cv.wait_for(lock, std::chrono::seconds(1), [this] { return m_closed; });
      const auto committed = m_stats.commits;
      if (committed != synced && m_wal_fd >= 0) {
        lock.unlock();
        ::fdatasync(m_wal_fd);
        lock.lock();
        synced = committed;
      }
      if (closed) {
        return;
      }
    }
  }

  struct Pending {
    Record record;
    detail::Row row;
    Appended result;
    std::function<void(Appended)> done;
  };
  using Group = std::vector<std::shared_ptr<Pending>>;

  // The committer thread: takes everything queued into one transaction, then tells each appender, until closed and
  // nothing waits.
  void run_committer()
  {
    for (;;) {
      Group group;
      {
        std::unique_lock lock(m_mutex);
        if (const auto due = text_due(); due && m_waiting.empty() && !m_closing) {
          if (*due <= std::chrono::steady_clock::now()) {
            lock.unlock();
            index_text(); // nothing waits: the text index catches up, a small batch at a time
            continue;
          }
          m_work_cv.wait_until(lock, *due, [this] { return m_closing || !m_waiting.empty(); });
          continue;
        }
        m_work_cv.wait(lock, [this] { return m_closing || !m_waiting.empty(); });
        if (m_waiting.empty()) {
          return;
        }
        // Give the group a moment to fill: one commit of many records costs little more than one of a few.
        m_work_cv.wait_for(lock, k_gather_time, [this] { return m_closing || m_waiting.size() >= k_gather_records; });
        group.swap(m_waiting);
      }
      commit(group);
      {
        std::lock_guard lock(m_mutex);
        m_commit_cv.notify_all();
      }
      for (auto& p : group) {
        p->done(std::move(p->result));
      }
      checkpoint_if_due();
    }
  }

  // Copies the WAL back into the journal once it holds k_checkpoint_frames (as SQLite's automatic checkpoint would,
  // but holding the write lock: Database::manual_checkpoints says why), after the group was answered. The next
  // commit starts the WAL over. Another connection writing meanwhile: the next commit tries again.
  void checkpoint_if_due()
  {
    if (m_db.wal_frames() < k_checkpoint_frames) {
      return;
    }
    try {
      m_db.checkpoint();
    } catch (const SqliteError&) {
      // A full disk, say: the WAL keeps the commits, and the next commit tries again.
    }
  }

  // One transaction, one fsync, for the whole group; results and bookkeeping under m_mutex.
  void commit(Group& batch)
  {
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    try {
      m_begin.run();
      std::int64_t relayed = 0;
      for (auto& p : batch) {
        p->result = insert(*p);
        relayed = std::max(relayed, p->record.relay_seq);
      }
      if (relayed > 0) { // the upstream's cursor moves in the transaction that stores what it passed
        m_cursor.bind_static(1, m_options.upstream).bind(2, relayed).run();
      }
      m_commit.run();
    } catch (const std::exception& e) {
      // SQLite's failures, and anything else: the group is answered with the error, never left waiting.
      const auto* sqlite = dynamic_cast<const SqliteError*>(&e);
      error = sqlite ? sqlite->message : e.what();
      try {
        m_rollback.run();
      } catch (const std::exception&) {
        // The transaction is gone either way.
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!error.empty()) {
      for (const auto& p : batch) { // relayed deliveries past the first one lost are refused until it comes again
        m_relay_hole = p->record.relay_seq > 0 ? std::min(m_relay_hole, p->record.relay_seq) : m_relay_hole;
      }
    }
    std::lock_guard lock(m_mutex);
    m_failure = error;
    m_last_group = std::chrono::steady_clock::now();
    m_text_failed = m_text_failed && !error.empty();
    for (auto& p : batch) {
      if (!error.empty()) {
        p->result = {false, p->record.status, 0, fmt::format("cannot write the journal: {}", error)};
      } else if (p->result.stored && p->result.status != Status::refused) {
        m_committed_seq = std::max(m_committed_seq, p->result.seq);
        remember(*p);
      }
    }
    if (error.empty()) {
      ++m_stats.commits;
      m_stats.records += batch.size();
      m_stats.seconds_total += seconds;
      for (std::size_t b = 0; b < commit_buckets().size(); ++b) {
        m_stats.buckets[b] += seconds <= commit_buckets()[b] ? 1 : 0;
      }
    }
  }

  // When the text index may take its next batch (m_mutex held): once deliveries have paused for k_text_quiet, or
  // k_text_every after the last batch however busy it is; nullopt when it is complete or waits for a commit.
  std::optional<std::chrono::steady_clock::time_point> text_due() const
  {
    if (!m_text || m_text_indexed >= m_committed_seq || m_text_failed) {
      return std::nullopt;
    }
    return std::min(m_last_group + k_text_quiet, m_last_text + k_text_every);
  }

  // Indexes the next few committed records' text in a transaction of its own, not synced (a later commit's fsync
  // covers it; the index can be rebuilt). A failure (a full disk) waits for the next commit of deliveries to try
  // again.
  void index_text()
  {
    // SQLite applies PRAGMA synchronous when the statement is prepared, not when it runs: executed each time, never
    // kept prepared (two kept statements, one for each level, left the connection at FULL from the writer's start,
    // so that --durability process synced every commit).
    const bool disk = m_options.durability == Durability::disk;
    if (disk) {
      m_db.exec("PRAGMA synchronous = NORMAL");
    }
    std::int64_t indexed = 0;
    bool failed = false;
    try {
      indexed = m_text->index_next(k_text_batch);
    } catch (const std::exception&) {
      failed = true;
    }
    if (disk) {
      m_db.exec("PRAGMA synchronous = FULL"); // cannot fail outside a transaction; if it did, the committer stops
    }
    if (failed) {
      std::lock_guard lock(m_mutex);
      m_text_failed = true;
      return;
    }
    checkpoint_if_due();
    std::lock_guard lock(m_mutex);
    m_text_indexed = indexed;
    m_last_text = std::chrono::steady_clock::now();
    m_commit_cv.notify_all();
  }

  // Keeps a committed record in the in-memory tail (m_mutex held).
  void remember(Pending& p)
  {
    auto kept = std::make_shared<Record>(std::move(p.record));
    kept->seq = p.result.seq;
    kept->headers_json = std::move(p.row.headers);
    m_recent_size += kept->body.size() + kept->headers_json.size();
    m_recent.push_back(std::move(kept));
    while (m_recent.size() > k_recent_records || m_recent_size > k_recent_bytes) {
      m_recent_size -= m_recent.front()->body.size() + m_recent.front()->headers_json.size();
      m_recent.pop_front();
    }
  }

  Appended insert(Pending& p)
  {
    Record& r = p.record;
    if (r.relay_seq > m_relay_hole) {
      // Stored, it would move the upstream's cursor past a delivery that was not: the puller asks again from the
      // cursor, and the hole's own delivery comes first.
      return {false, r.status, 0, fmt::format("relayed delivery #{} was not stored before it", m_relay_hole)};
    }
    if (r.relay_seq > 0 && r.relay_seq == m_relay_hole) {
      m_relay_hole = k_no_hole; // if this transaction fails, commit() opens it again
    }
    if (r.status == Status::refused) {
      // A prefix of the body, its size and its hash: enough to diagnose, never a way to fill the disk.
      r.body_bytes = r.body.size();
      r.body_sha256 = util::hex_encode(util::sha256(r.body));
      r.body.resize(std::min(r.body.size(), m_options.refused_prefix));
      detail::bind_record(m_insert_refused, r, p.row);
      m_insert_refused.bind(12, static_cast<std::int64_t>(r.body_bytes)).bind_static(13, r.body_sha256);
      m_insert_refused.bind_static(detail::k_path_parameter, r.path);
      m_insert_refused.run();
      const auto seq = m_db.last_insert_rowid();
      m_refused_bytes_since_prune += r.body.size() + p.row.headers.size();
      if (++m_refused_since_prune >= 256 || m_refused_bytes_since_prune >= m_options.max_refused_bytes / 8) {
        m_prune.bind(1, static_cast<std::int64_t>(m_options.max_refused))
            .bind(2, static_cast<std::int64_t>(m_options.max_refused_bytes))
            .run();
        if (m_db.changes() > 0) {
          m_vacuum.run();
        }
        m_refused_since_prune = 0;
        m_refused_bytes_since_prune = 0;
      }
      return {true, Status::refused, seq, {}};
    }
    r.status = Status::accepted;
    p.row.status = status_name(r.status);
    detail::bind_record(m_insert, r, p.row);
    detail::bind_facts(m_insert, r);
    m_insert.bind_static(detail::k_path_parameter, r.path);
    m_insert.run();
    if (m_db.changes() == 0) {
      // The partial unique index said this eventId was accepted before. A duplicate of the same bytes is stored as a
      // reference to its original; one whose body differs keeps its body.
      m_original.bind(1, r.event_id).bind_blob(2, r.body);
      const bool found = m_original.step();
      const std::int64_t original = found ? m_original.int64(0) : 0;
      const bool same = found && m_original.int64(1) == 1;
      m_original.reset();
      r.status = Status::duplicate;
      r.detail = fmt::format("duplicate of #{}{}", original, same ? "" : " (the body differs)");
      p.row.status = status_name(r.status);
      detail::bind_record(m_insert_duplicate, r, p.row);
      detail::bind_facts(m_insert_duplicate, r);
      if (same) {
        m_insert_duplicate.bind_blob(4, std::string_view("", 0)); // empty, not NULL
      }
      m_insert_duplicate.bind(14, original).bind_static(detail::k_path_parameter, r.path);
      m_insert_duplicate.run();
    }
    return {true, r.status, m_db.last_insert_rowid(), {}};
  }

  WriterOptions m_options;
  util::LockFile m_lock;
  Database m_db;
  Statement m_begin, m_commit, m_rollback, m_insert, m_insert_refused, m_prune, m_vacuum, m_original,
      m_insert_duplicate;
  std::optional<detail::TextIndex> m_text; // none when the journal has no text index (a benchmark's baseline)
  Statement m_cursor;
  static constexpr std::int64_t k_no_hole = INT64_MAX;
  std::int64_t m_relay_hole = k_no_hole; // the committer's: the first relayed delivery a failed commit lost
  std::size_t m_refused_since_prune = 0;
  std::size_t m_refused_bytes_since_prune = 0;

  mutable std::mutex m_mutex;
  mutable std::condition_variable m_commit_cv; // any commit: for wait_beyond, the syncer and close
  std::condition_variable m_work_cv;           // records wait, or closing: for the committer
  Group m_waiting;
  std::deque<std::shared_ptr<const Record>> m_recent;
  std::size_t m_recent_size = 0;
  bool m_closing = false;
  bool m_closed = false;
  std::int64_t m_committed_seq = 0;
  std::int64_t m_text_indexed = 0;
  bool m_text_failed = false;
  std::chrono::steady_clock::time_point m_last_group, m_last_text; // the last commit of deliveries, of text
  CommitStats m_stats;
  std::string m_failure;
  int m_wal_fd = -1;
  util::Thread m_syncer;
  util::Thread m_committer; // last: it starts once everything above is ready
};

} // namespace

std::unique_ptr<Writer> Writer::open(const std::string& path, WriterOptions options)
{
  prepare_file(path);
  return std::make_unique<SqliteWriter>(path, options);
}

} // namespace acx::journal
