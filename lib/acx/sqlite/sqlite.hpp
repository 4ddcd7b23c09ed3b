#pragma once

// A minimal RAII layer over sqlite3: the only place that sees it (used by the journal and the sandbox store).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "acx/util/build.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace acx::sqlite {

// What kind of failure, in the terms callers act on (SQLite's result codes stay in this module).
enum class Failure {
  not_a_database, // corrupt, or not SQLite
  read_only,      // read-only file or mount, or no permission
  full,           // the disk is full
  busy,           // locked by another connection
  cannot_open,    // the file cannot be opened
  sql,            // the SQL itself failed (no such table, say: not the schema expected)
  other,
};

// An SQLite failure: the message and its kind.
struct SqliteError : std::exception {
  SqliteError(int code, std::string m);
  const char* what() const noexcept override { return message.c_str(); }
  Failure failure;
  std::string message;
};

class Database;

class Statement {
public:
  Statement(const Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Copies the text.
  Statement& bind(int index, std::string_view text);
  // Binds without copying: the text or bytes must outlive the next step or reset.
  Statement& bind_static(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  // Steps once: true when a row is available. Throws SqliteError.
  bool step();
  // Steps to completion and resets, ready to bind again.
  void run();
  void reset();

  std::int64_t int64(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

private:
  sqlite3* m_db;
  sqlite3_stmt* m_stmt = nullptr;
};

class Database {
public:
  // Opens (read-write-create, or read-only). Throws SqliteError.
  Database(const std::string& path, bool read_only);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&& other) noexcept
      : m_db(std::exchange(other.m_db, nullptr)), m_busy(other.m_busy), m_wal(std::move(other.m_wal))
  {
  }
  Database& operator=(Database&&) = delete;

  // How long a statement waits for another connection's lock before it fails with Failure::busy.
  void busy_timeout(std::chrono::milliseconds wait);

  // Takes WAL checkpoints away from SQLite: no commit of this connection checkpoints by itself. SQLite's automatic
  // checkpoint (PASSIVE) runs beside other connections' commits, and SQLite before 3.51.3 (Debian 12 has 3.40) can
  // corrupt the database when one of those commits starts the WAL over meanwhile (sqlite.org/wal.html, "the WAL-reset
  // bug"). The caller checkpoints with checkpoint(); wal_frames() is the WAL's length at this connection's last commit.
  void manual_checkpoints();
  std::int64_t wal_frames() const;
  // Copies the WAL into the database file holding the write lock throughout (SQLite's FULL mode), so no commit of any
  // connection runs meanwhile. Never waits: false when another connection is writing or a reader still uses frames
  // that could not be copied (try again later). Throws SqliteError on other failures. Afterwards the connection waits
  // for locks as busy_timeout() said (the one way acx sets that wait).
  bool checkpoint();

  // Runs one or more statements without results. Throws SqliteError.
  void exec(std::string_view sql);
  // Rolls back the open transaction, if any; never throws (for error paths).
  void rollback_quietly() noexcept;
  // The rowid of the last row inserted through this connection.
  std::int64_t last_insert_rowid() const;
  std::int64_t changes() const;
  // Adds `column` (with its type and default, as in ALTER TABLE) to `table` when a file from an older version lacks
  // it. Names are the caller's constants, never input. Throws SqliteError.
  void add_column_if_missing(std::string_view table, std::string_view column, std::string_view definition);

private:
  friend class Statement;
  sqlite3* m_db = nullptr;
  std::chrono::milliseconds m_busy{0};
  std::unique_ptr<std::atomic<std::int64_t>> m_wal; // frames; where SQLite's WAL hook writes, so it outlives a move
};

// The SQLite acx was built with and the one it runs with.
util::Library library();

} // namespace acx::sqlite
