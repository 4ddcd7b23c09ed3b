#pragma once

// A minimal RAII layer over sqlite3: the only place that sees it (used by the journal and the sandbox store).

#include <cstdint>
#include <exception>
#include <optional>
#include <sqlite3.h>
#include <string>
#include <string_view>
#include <utility>

namespace acx::sqlite {

// An SQLite failure: the message and the primary result code.
struct SqliteError : std::exception {
  SqliteError(int c, std::string m) : code(c), message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
  int code;
  std::string message;
};

class Statement {
public:
  Statement(sqlite3* db, std::string_view sql);
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
  Database(Database&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}
  Database& operator=(Database&&) = delete;

  sqlite3* get() const { return m_db; }
  // Runs one or more statements without results. Throws SqliteError.
  void exec(std::string_view sql);
  std::int64_t changes() const;
  // Adds `column` (with its type and default, as in ALTER TABLE) to `table` when a file from an older version lacks
  // it. Names are the caller's constants, never input. Throws SqliteError.
  void add_column_if_missing(std::string_view table, std::string_view column, std::string_view definition);

private:
  sqlite3* m_db = nullptr;
};

} // namespace acx::sqlite
