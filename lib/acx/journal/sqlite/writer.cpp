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

#include "acx/journal/group_writer.hpp"
#include "acx/journal/journal.hpp"
#include "acx/journal/sqlite/engine.hpp"
#include "acx/journal/sqlite/schema.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/lock_file.hpp"
#include "acx/util/thread.hpp"

namespace acx::journal::in_sqlite {

namespace {

using sqlite::Database;
using sqlite::SqliteError;
using sqlite::Statement;

// Records indexed for text search per transaction when nothing waits: small, so that a delivery arriving meanwhile
// waits little.
constexpr std::size_t k_text_batch = 64;
// ... once deliveries have paused this long, and under a steady load at most one batch this often (so that it never
// doubles the commits nor slows the groups: the index lags under load and catches up after).
constexpr auto k_text_quiet = std::chrono::milliseconds(20);
constexpr auto k_text_every = std::chrono::milliseconds(100);
// Where an insert of deliveries binds the body, and a duplicate's insert its original's sequence number.
const int k_body_parameter = static_cast<int>(column_index(deliveries, "body")) + 1;
const int k_original_parameter = static_cast<int>(columns(deliveries).size()) + 1;
// The WAL's length, in pages, at which the writer checkpoints (SQLite's own default).
constexpr std::int64_t k_checkpoint_frames = 1000;

std::optional<TextIndex> text_index(Database& db)
{
  Statement has(db, "SELECT count(*) FROM sqlite_master WHERE name = 'deliveries_text'");
  has.step();
  if (has.int64(0) == 0) {
    return std::nullopt;
  }
  return std::optional<TextIndex>(std::in_place, db);
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

// Whether the journal holds an event acx reconcile --repair rebuilt (the partial index says); finalized here, before
// the writer's threads start, for the reason last_seq's is.
bool any_rebuilt(Database& db)
{
  Statement any(db, "SELECT EXISTS (SELECT 1 FROM deliveries WHERE remote = ?1)");
  any.bind(1, k_reconciled_remote);
  return any.step() && any.int64(0) == 1;
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
    Database db = connect(path, std::chrono::seconds(2));
    configure(db);
    if (durability == Durability::process) {
      db.exec("PRAGMA synchronous = NORMAL"); // WAL commits are written, not synced: the syncer does that
    }
    ensure_schema(db, path);
    return db;
  } catch (const SqliteError& e) {
    throw_journal_error(path, e);
  }
}

class SqliteWriter final : public detail::GroupWriter {
public:
  std::string engine() const override { return "SQLite " + sqlite::library().running; }
  SqliteWriter(const std::string& path, WriterOptions options)
      : GroupWriter(options, 0, false), m_lock(path + ".lock", "journal " + path),
        m_db(open_db(path, options.durability)), m_begin(m_db, "BEGIN IMMEDIATE"), m_commit(m_db, "COMMIT"),
        m_rollback(m_db, "ROLLBACK"),
        m_insert(m_db, fmt::format("INSERT OR IGNORE INTO deliveries({}) VALUES({})", column_names(deliveries),
                                   placeholders(columns(deliveries).size()))),
        m_insert_refused(m_db, fmt::format("INSERT INTO refused({}) VALUES({})", column_names(refused),
                                           placeholders(columns(refused).size()))),
        // The newest refusals that fit both bounds stay.
        m_prune(m_db, "DELETE FROM refused WHERE seq <= (SELECT max(seq) FROM refused) - ?1 OR seq < "
                      "(SELECT coalesce(min(seq), 0) FROM (SELECT seq, sum(length(body) + length(headers)) "
                      "OVER (ORDER BY seq DESC) AS kept FROM refused) WHERE kept <= ?2)"),
        m_vacuum(m_db, "PRAGMA incremental_vacuum"),
        m_original(m_db, "SELECT seq, body = ?2 FROM deliveries WHERE event_id = ?1 AND status = 'accepted'"),
        m_rebuilt(m_db, "SELECT seq FROM deliveries WHERE event_id = ?1 AND status = 'accepted' AND remote = ?2"),
        m_insert_duplicate(m_db, fmt::format("INSERT INTO deliveries({}, original) VALUES({})",
                                             column_names(deliveries), placeholders(columns(deliveries).size() + 1))),
        m_text(text_index(m_db)),
        m_cursor(m_db, "INSERT OR REPLACE INTO meta(key, value) VALUES('upstream ' || ?1, ?2)")
  {
    const std::int64_t committed = last_seq(m_db);
    m_any_rebuilt = any_rebuilt(m_db);
    {
      std::lock_guard lock(m_mutex);
      m_text_indexed = m_text ? m_text->indexed() : committed;
    }
    set_committed(committed);
    if (m_options.durability == Durability::process) {
      // The WAL exists once the schema is ensured (journal_mode = WAL); SQLite keeps it while a connection is open.
      m_wal_fd = ::open((path + "-wal").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      m_syncer = util::Thread("acx-syncer", [this](std::stop_token stop) { sync_in_background(stop); });
    }
    start();
  }

  ~SqliteWriter() override
  {
    finish();
    m_syncer.request_stop(); // it syncs what was committed, once more
    m_syncer.join();
    if (m_wal_fd >= 0) {
      ::close(m_wal_fd);
    }
  }

  std::int64_t text_indexed() const override
  {
    std::lock_guard lock(m_mutex);
    return m_text_indexed;
  }

private:
  // With Durability::process: every second, if anything was committed since the last sync, fsyncs the WAL.
  void sync_in_background(std::stop_token stop)
  {
    std::uint64_t synced = 0;
    for (;;) {
      const bool stopping = util::pause(stop, std::chrono::seconds(1));
      std::uint64_t committed = 0;
      {
        std::lock_guard lock(m_mutex);
        committed = m_groups;
      }
      if (committed != synced && m_wal_fd >= 0) {
        ::fdatasync(m_wal_fd);
        synced = committed;
      }
      if (stopping) {
        return;
      }
    }
  }

  // Copies the WAL back into the journal once it holds k_checkpoint_frames (as SQLite's automatic checkpoint would,
  // but holding the write lock: Database::manual_checkpoints says why), after the group was answered. The next
  // commit starts the WAL over. Another connection writing meanwhile: the next commit tries again.
  void after_group() override
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

  // One transaction, one fsync, for the whole group.
  void store(detail::Group& group, std::int64_t relayed) override
  {
    try {
      m_begin.run();
      for (auto& p : group) {
        p->result = insert(*p);
      }
      if (relayed >= 0) {
        m_cursor.bind_static(1, m_options.upstream).bind(2, relayed).run();
      }
      m_commit.run();
    } catch (const SqliteError& e) {
      rolled_back();
      throw JournalError(fault_of(e), e.what());
    } catch (...) {
      rolled_back();
      throw;
    }
    std::lock_guard lock(m_mutex);
    ++m_groups;
    m_text_failed = false; // a commit of deliveries worked: the text index may try again
  }

  void rolled_back()
  {
    try {
      m_rollback.run();
    } catch (const std::exception&) {
      // The transaction is gone either way.
    }
    std::lock_guard lock(m_mutex);
    ++m_groups;
  }

  // When the text index may take its next batch: once deliveries have paused for k_text_quiet, or k_text_every after
  // the last batch however busy it is; nullopt when it is complete or waits for a commit.
  std::optional<TimePoint> idle_due(TimePoint last_group) override
  {
    std::lock_guard lock(m_mutex);
    if (!m_text || m_text_indexed >= committed_locked() || m_text_failed) {
      return std::nullopt;
    }
    return std::min(last_group + k_text_quiet, m_last_text + k_text_every);
  }

  // Indexes the next few committed records' text in a transaction of its own, not synced (a later commit's fsync
  // covers it; the index can be rebuilt). A failure (a full disk) waits for the next commit of deliveries to try
  // again.
  void idle_work() override
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
    after_group();
    {
      std::lock_guard lock(m_mutex);
      m_text_indexed = indexed;
      m_last_text = std::chrono::steady_clock::now();
    }
    notify_waiters();
  }

  Appended insert(detail::Pending& p)
  {
    Record& r = p.record;
    if (r.status == Status::refused) {
      // A prefix of the body, its size and its hash: enough to diagnose, never a way to fill the disk.
      r.body_bytes = r.body.size();
      r.body_sha256 = util::hex_encode(util::sha256(r.body));
      r.body.resize(std::min(r.body.size(), m_options.refused_prefix));
      bind_columns(m_insert_refused, refused, r, p.row);
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
    if (const auto rebuilt = rebuilt_original(r)) {
      return store_duplicate(p, *rebuilt, false, " (its change was reconciled)");
    }
    bind_columns(m_insert, deliveries, r, p.row);
    m_insert.run();
    if (m_db.changes() == 0) {
      // The partial unique index said this eventId was accepted before. A duplicate of the same bytes is stored as a
      // reference to its original; one whose body differs keeps its body.
      m_original.bind(1, r.event_id).bind_blob(2, r.body);
      const bool found = m_original.step();
      const std::int64_t original = found ? m_original.int64(0) : 0;
      const bool same = found && m_original.int64(1) == 1;
      m_original.reset();
      return store_duplicate(p, original, same, same ? "" : " (the body differs)");
    }
    return {true, r.status, m_db.last_insert_rowid(), {}};
  }

  // The rebuilt event (acx reconcile --repair) of the change a delivery tells, if one was journaled: the delivery is
  // its duplicate.
  // Only when the journal holds one: one writer per file, so this writer knows (no hash, no lookup per delivery else).
  std::optional<std::int64_t> rebuilt_original(const Record& r)
  {
    if (reconciled(r)) {
      m_any_rebuilt = true;
      return std::nullopt;
    }
    if (!m_any_rebuilt) {
      return std::nullopt;
    }
    m_rebuilt.bind(1, change_id(r.topic, r.subject, r.event_time)).bind(2, k_reconciled_remote);
    std::optional<std::int64_t> seq;
    if (m_rebuilt.step()) {
      seq = m_rebuilt.int64(0);
    }
    m_rebuilt.reset();
    return seq;
  }

  // Stores a delivery as a duplicate of `original`: with no body when it has the same bytes.
  Appended store_duplicate(detail::Pending& p, std::int64_t original, bool same, std::string_view why)
  {
    Record& r = p.record;
    r.status = Status::duplicate;
    r.detail = fmt::format("duplicate of #{}{}", original, why);
    p.row.status = status_name(r.status);
    bind_columns(m_insert_duplicate, deliveries, r, p.row);
    if (same) {
      m_insert_duplicate.bind_blob(k_body_parameter, std::string_view("", 0)); // empty, not NULL
    }
    m_insert_duplicate.bind(k_original_parameter, original);
    m_insert_duplicate.run();
    return {true, r.status, m_db.last_insert_rowid(), {}};
  }

  util::LockFile m_lock;
  Database m_db;
  Statement m_begin, m_commit, m_rollback, m_insert, m_insert_refused, m_prune, m_vacuum, m_original, m_rebuilt,
      m_insert_duplicate;
  std::optional<TextIndex> m_text; // none when the journal has no text index (a benchmark's baseline)
  Statement m_cursor;
  std::size_t m_refused_since_prune = 0;
  std::size_t m_refused_bytes_since_prune = 0;
  bool m_any_rebuilt = false; // the committer's: a rebuilt event is in the journal
  // Under m_mutex:
  std::int64_t m_text_indexed = 0;
  bool m_text_failed = false;
  TimePoint m_last_text;
  std::uint64_t m_groups = 0; // transactions tried, for the syncer
  int m_wal_fd = -1;
  util::Thread m_syncer;
};

} // namespace

std::unique_ptr<Writer> open_writer(const std::string& path, WriterOptions options)
{
  prepare_file(path);
  return std::make_unique<SqliteWriter>(path, options);
}

} // namespace acx::journal::in_sqlite
