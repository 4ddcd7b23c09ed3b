#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>
#include <unistd.h>

#include "acx/journal/journal.hpp"
#include "acx/journal/schema.hpp"
#include "acx/util/error.hpp"
#include "acx/util/lock_file.hpp"

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

void prepare_file(const std::string& path)
{
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path() && fs::exists(p.parent_path(), ec) && !fs::is_directory(p.parent_path(), ec)) {
    throw Error(ExitCode::io, fmt::format("cannot create the journal's directory {}: a file of that name exists",
                                          p.parent_path().string()));
  }
  if (p.has_parent_path() && !fs::exists(p.parent_path(), ec)) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) {
      throw Error(ExitCode::io,
                  fmt::format("cannot create the journal's directory {}: {}", p.parent_path().string(), ec.message()));
    }
    fs::permissions(p.parent_path(), fs::perms::owner_all, ec);
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

Database open_db(const std::string& path)
{
  try {
    Database db(path, false);
    detail::configure(db);
    detail::ensure_schema(db, path);
    return db;
  } catch (const SqliteError& e) {
    detail::throw_journal_error(path, e);
  }
}

class SqliteWriter final : public Writer {
public:
  SqliteWriter(const std::string& path, WriterOptions options)
      : m_options(options), m_lock(path + ".lock", "journal " + path), m_db(open_db(path)),
        m_begin(m_db.get(), "BEGIN IMMEDIATE"), m_commit(m_db.get(), "COMMIT"), m_rollback(m_db.get(), "ROLLBACK"),
        m_insert(m_db.get(),
                 fmt::format("INSERT OR IGNORE INTO deliveries({}) VALUES(?,?,?,?,?,?,?,?,?,?,?)", detail::k_columns)),
        m_insert_refused(m_db.get(),
                         fmt::format("INSERT INTO refused({}) VALUES(?,?,?,?,?,?,?,?,?,?,?)", detail::k_columns)),
        m_prune(m_db.get(), "DELETE FROM refused WHERE seq <= (SELECT max(seq) FROM refused) - ?")
  {
    Statement last(m_db.get(), "SELECT coalesce(max(seq), 0) FROM deliveries");
    last.step();
    m_committed_seq = last.int64(0);
    m_stats.buckets.assign(commit_buckets().size(), 0);
  }

  ~SqliteWriter() override { close(); }

  Appended append(Record record) override
  {
    auto pending = std::make_shared<Pending>();
    pending->row = detail::to_row(record);
    pending->record = std::move(record);
    std::unique_lock lock(m_mutex);
    if (m_closing) {
      return {false, pending->record.status, 0, "the journal is closed"};
    }
    // Join the open group. Whoever finds no commit under way leads: it takes the whole open group into one
    // transaction on its own thread, so a commit never waits for another thread to be scheduled. The others wait
    // for their group to be done, or for their turn to lead.
    const std::shared_ptr<Group> group = m_open;
    group->members.push_back(pending);
    const auto deadline = std::chrono::steady_clock::now() + m_options.commit_wait;
    while (!group->done) {
      if (!m_leading) {
        lead(lock);
        continue;
      }
      if (group->cv.wait_until(lock, deadline) == std::cv_status::timeout && !group->done) {
        return {false, pending->record.status, 0,
                fmt::format("the journal commit did not finish within {} ms", m_options.commit_wait.count())};
      }
    }
    return pending->result;
  }

  bool healthy() const override { return m_healthy.load(); }

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

  CommitStats stats() const override
  {
    std::lock_guard lock(m_mutex);
    return m_stats;
  }

  void close() override
  {
    std::unique_lock lock(m_mutex);
    m_closing = true;
    // Whatever was appended before is committed before close returns.
    while (m_leading || !m_open->members.empty()) {
      if (!m_leading) {
        lead(lock);
      } else {
        m_commit_cv.wait(lock);
      }
    }
    m_closed = true;
    m_commit_cv.notify_all();
  }

private:
  struct Pending {
    Record record;
    detail::Row row;
    Appended result;
  };

  // The appends committed together, and the condition their appenders wait on.
  struct Group {
    std::vector<std::shared_ptr<Pending>> members;
    std::condition_variable cv;
    bool done = false;
  };

  // Commits the open group on the calling thread (m_mutex held on entry and exit, released while committing), then
  // hands the lead to a member of the group that filled meanwhile.
  void lead(std::unique_lock<std::mutex>& lock)
  {
    m_leading = true;
    const std::shared_ptr<Group> group = std::exchange(m_open, std::make_shared<Group>());
    lock.unlock();
    commit(*group);
    lock.lock();
    m_leading = false;
    group->done = true;
    group->cv.notify_all();
    m_commit_cv.notify_all();
    if (!m_open->members.empty()) {
      m_open->cv.notify_one();
    }
  }

  // One transaction, one fsync, for the whole group; results and bookkeeping under m_mutex.
  void commit(Group& group)
  {
    auto& batch = group.members;
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    try {
      m_begin.run();
      for (auto& p : batch) {
        p->result = insert(*p);
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
    m_healthy = error.empty();
    std::lock_guard lock(m_mutex);
    for (auto& p : batch) {
      if (!error.empty()) {
        p->result = {false, p->record.status, 0, fmt::format("cannot write the journal: {}", error)};
      } else if (p->result.status != Status::refused) {
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
    if (r.status == Status::refused) {
      detail::bind_record(m_insert_refused, r, p.row);
      m_insert_refused.run();
      const auto seq = sqlite3_last_insert_rowid(m_db.get());
      if (++m_refused_since_prune >= 256) {
        m_prune.bind(1, static_cast<std::int64_t>(m_options.max_refused)).run();
        m_refused_since_prune = 0;
      }
      return {true, Status::refused, seq, {}};
    }
    r.status = Status::accepted;
    p.row.status = status_name(r.status);
    detail::bind_record(m_insert, r, p.row);
    m_insert.run();
    if (m_db.changes() == 0) {
      // The partial unique index said this eventId was accepted before.
      r.status = Status::duplicate;
      p.row.status = status_name(r.status);
      detail::bind_record(m_insert, r, p.row);
      m_insert.run();
    }
    return {true, r.status, sqlite3_last_insert_rowid(m_db.get()), {}};
  }

  WriterOptions m_options;
  util::LockFile m_lock;
  Database m_db;
  Statement m_begin, m_commit, m_rollback, m_insert, m_insert_refused, m_prune;
  std::size_t m_refused_since_prune = 0;

  mutable std::mutex m_mutex;
  mutable std::condition_variable m_commit_cv; // any commit: for wait_beyond and close
  std::shared_ptr<Group> m_open = std::make_shared<Group>();
  bool m_leading = false; // a commit is under way
  std::deque<std::shared_ptr<const Record>> m_recent;
  std::size_t m_recent_size = 0;
  bool m_closing = false;
  bool m_closed = false;
  std::int64_t m_committed_seq = 0;
  CommitStats m_stats;
  std::atomic<bool> m_healthy{true};
};

} // namespace

std::unique_ptr<Writer> Writer::open(const std::string& path, WriterOptions options)
{
  prepare_file(path);
  return std::make_unique<SqliteWriter>(path, options);
}

} // namespace acx::journal
