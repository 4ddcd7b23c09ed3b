#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <future>
#include <mutex>
#include <pthread.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

#include "acx/journal/journal.hpp"
#include "acx/journal/schema.hpp"
#include "acx/util/error.hpp"

namespace acx::journal {

const std::vector<double>& commit_buckets()
{
  static const std::vector<double> buckets{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  return buckets;
}

namespace {

using detail::Database;
using detail::SqliteError;
using detail::Statement;

// An exclusive lock on "<journal>.lock", held for the Writer's life, so a second process cannot write the journal.
class LockFile {
public:
  explicit LockFile(const std::string& journal)
  {
    const std::string path = journal + ".lock";
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0) {
      throw Error(ExitCode::io, fmt::format("cannot create the lock file {}: {}", path, std::strerror(errno)));
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      char pid[32] = {};
      [[maybe_unused]] auto n = ::pread(m_fd, pid, sizeof pid - 1, 0);
      ::close(m_fd);
      throw Error(ExitCode::io, fmt::format("journal {} is in use by another acx process{} (lock file {})", journal,
                                            *pid ? fmt::format(" (pid {})", pid) : std::string(), path));
    }
    const std::string me = std::to_string(::getpid());
    [[maybe_unused]] auto t = ::ftruncate(m_fd, 0);
    [[maybe_unused]] auto w = ::pwrite(m_fd, me.data(), me.size(), 0);
  }
  ~LockFile() { ::close(m_fd); }
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

private:
  int m_fd = -1;
};

void prepare_file(const std::string& path)
{
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path() && !fs::exists(p.parent_path(), ec)) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) {
      throw Error(ExitCode::io, fmt::format("cannot create the journal's directory {}: {}", p.parent_path().string(),
                                            ec.message()));
    }
    fs::permissions(p.parent_path(), fs::perms::owner_all, ec);
  }
  if (fs::is_directory(p, ec)) {
    throw Error(ExitCode::io, fmt::format("journal {} is a directory", path));
  }
  // Created here so that it (and SQLite's -wal and -shm files, which copy its mode) is private from the start.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EACCES && errno != EROFS) {
    throw Error(ExitCode::io, fmt::format("cannot open journal {}: {}", path, std::strerror(errno)));
  } else if (!fs::exists(p, ec)) {
    throw Error(ExitCode::io, fmt::format("cannot create journal {}: {}", path, std::strerror(errno)));
  }
}

class SqliteWriter final : public Writer {
public:
  SqliteWriter(const std::string& path, WriterOptions options)
      : m_path(path), m_options(options), m_lock(path), m_db(open_db(path)),
        m_begin(m_db.get(), "BEGIN IMMEDIATE"), m_commit(m_db.get(), "COMMIT"), m_rollback(m_db.get(), "ROLLBACK"),
        m_insert(m_db.get(), fmt::format("INSERT OR IGNORE INTO deliveries({}) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                                         detail::k_columns)),
        m_insert_refused(m_db.get(),
                         fmt::format("INSERT INTO refused({}) VALUES(?,?,?,?,?,?,?,?,?,?,?)", detail::k_columns)),
        m_prune(m_db.get(), "DELETE FROM refused WHERE seq <= (SELECT max(seq) FROM refused) - ?")
  {
    Statement last(m_db.get(), "SELECT coalesce(max(seq), 0) FROM deliveries");
    last.step();
    m_committed_seq = last.int64(0);
    m_stats.buckets.assign(commit_buckets().size(), 0);
    m_thread = std::thread([this] {
      pthread_setname_np(pthread_self(), "acx-journal");
      run();
    });
  }

  ~SqliteWriter() override { close(); }

  Appended append(Record record) override
  {
    auto pending = std::make_shared<Pending>();
    pending->record = std::move(record);
    pending->row = detail::to_row(pending->record);
    auto future = pending->done.get_future();
    {
      std::lock_guard lock(m_mutex);
      if (m_closing) {
        return {false, pending->record.status, 0, "the journal is closed"};
      }
      m_queue.push_back(pending);
    }
    m_cv.notify_one();
    if (future.wait_for(m_options.commit_wait) != std::future_status::ready) {
      return {false, pending->record.status, 0,
              fmt::format("the journal commit did not finish within {} ms", m_options.commit_wait.count())};
    }
    return future.get();
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

  CommitStats stats() const override
  {
    std::lock_guard lock(m_mutex);
    return m_stats;
  }

  void close() override
  {
    {
      std::lock_guard lock(m_mutex);
      m_closing = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }

private:
  struct Pending {
    Record record;
    detail::Row row;
    std::promise<Appended> done;
  };

  static Database open_db(const std::string& path)
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

  void run()
  {
    for (;;) {
      std::deque<std::shared_ptr<Pending>> batch;
      {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [this] { return !m_queue.empty() || m_closing; });
        if (m_queue.empty()) {
          m_closed = true;
          m_commit_cv.notify_all();
          return;
        }
        batch.swap(m_queue);
      }
      commit(batch);
    }
  }

  void commit(std::deque<std::shared_ptr<Pending>>& batch)
  {
    const auto start = std::chrono::steady_clock::now();
    std::vector<Appended> results(batch.size());
    std::int64_t last_seq = 0;
    std::string error;
    try {
      m_begin.run();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        results[i] = insert(*batch[i]);
        if (results[i].status != Status::refused) {
          last_seq = results[i].seq;
        }
      }
      m_commit.run();
    } catch (const SqliteError& e) {
      error = e.message;
      try {
        m_rollback.run();
      } catch (const SqliteError&) {
        // Nothing more to do: the transaction is gone either way.
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    {
      std::lock_guard lock(m_mutex);
      if (error.empty()) {
        m_committed_seq = std::max(m_committed_seq, last_seq);
        ++m_stats.commits;
        m_stats.records += batch.size();
        m_stats.seconds_total += seconds;
        for (std::size_t b = 0; b < commit_buckets().size(); ++b) {
          m_stats.buckets[b] += seconds <= commit_buckets()[b] ? 1 : 0;
        }
      }
    }
    m_healthy = error.empty();
    m_commit_cv.notify_all();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!error.empty()) {
        results[i] = {false, batch[i]->record.status, 0, fmt::format("cannot write the journal: {}", error)};
      }
      batch[i]->done.set_value(std::move(results[i]));
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

  std::string m_path;
  WriterOptions m_options;
  LockFile m_lock;
  Database m_db;
  Statement m_begin, m_commit, m_rollback, m_insert, m_insert_refused, m_prune;
  std::size_t m_refused_since_prune = 0;

  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  mutable std::condition_variable m_commit_cv;
  std::deque<std::shared_ptr<Pending>> m_queue;
  bool m_closing = false;
  bool m_closed = false;
  std::int64_t m_committed_seq = 0;
  CommitStats m_stats;
  std::atomic<bool> m_healthy{true};
  std::thread m_thread;
};

} // namespace

std::unique_ptr<Writer> Writer::open(const std::string& path, WriterOptions options)
{
  prepare_file(path);
  return std::make_unique<SqliteWriter>(path, options);
}

} // namespace acx::journal
