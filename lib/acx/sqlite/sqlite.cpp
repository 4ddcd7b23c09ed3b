#include "acx/sqlite/sqlite.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace acx::sqlite {

namespace {
Failure failure_of(int code)
{
  switch (code) {
  case SQLITE_NOTADB:
  case SQLITE_CORRUPT:
    return Failure::not_a_database;
  case SQLITE_READONLY:
  case SQLITE_PERM:
    return Failure::read_only;
  case SQLITE_FULL:
    return Failure::full;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return Failure::busy;
  case SQLITE_CANTOPEN:
    return Failure::cannot_open;
  case SQLITE_ERROR:
    return Failure::sql;
  default:
    return Failure::other;
  }
}

[[noreturn]] void fail(sqlite3* db, int rc)
{
  throw SqliteError{rc, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
}
} // namespace

SqliteError::SqliteError(int code, std::string m) : failure(failure_of(code & 0xFF)), message(std::move(m)) {}

Statement::Statement(const Database& database, std::string_view sql) : m_db(database.m_db)
{
  sqlite3* db = m_db;
  const int rc =
      sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr);
  if (rc != SQLITE_OK) {
    fail(db, rc);
  }
}

Statement::~Statement()
{
  sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::string_view text)
{
  sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view text)
{
  sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes)
{
  sqlite3_bind_blob(m_stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value)
{
  sqlite3_bind_int64(m_stmt, index, value);
  return *this;
}

Statement& Statement::bind_null(int index)
{
  sqlite3_bind_null(m_stmt, index);
  return *this;
}

bool Statement::step()
{
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3_reset(m_stmt);
  fail(m_db, rc);
}

void Statement::run()
{
  while (step()) {
  }
  reset();
}

void Statement::reset()
{
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

std::int64_t Statement::int64(int column) const
{
  return sqlite3_column_int64(m_stmt, column);
}

std::string Statement::text(int column) const
{
  const auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

bool Statement::is_null(int column) const
{
  return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

Database::Database(const std::string& path, bool read_only)
{
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
  if (rc != SQLITE_OK) {
    SqliteError e{rc, m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc)};
    sqlite3_close(m_db);
    m_db = nullptr;
    throw e;
  }
  sqlite3_extended_result_codes(m_db, 0);
}

Database::~Database()
{
  sqlite3_close_v2(m_db);
}

void Database::rollback_quietly() noexcept
{
  sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

std::int64_t Database::last_insert_rowid() const
{
  return sqlite3_last_insert_rowid(m_db);
}

void Database::exec(std::string_view sql)
{
  const int rc = sqlite3_exec(m_db, std::string(sql).c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    fail(m_db, rc);
  }
}

void Database::busy_timeout(std::chrono::milliseconds wait)
{
  m_busy = wait;
  sqlite3_busy_timeout(m_db, static_cast<int>(wait.count()));
}

void Database::manual_checkpoints()
{
  m_wal = std::make_unique<std::atomic<std::int64_t>>(0);
  // Replaces SQLite's own hook, which is its automatic checkpoint.
  sqlite3_wal_hook(
      m_db,
      [](void* frames, sqlite3*, const char*, int n) {
        static_cast<std::atomic<std::int64_t>*>(frames)->store(n);
        return SQLITE_OK;
      },
      m_wal.get());
}

std::int64_t Database::wal_frames() const
{
  return m_wal ? m_wal->load() : 0;
}

bool Database::checkpoint()
{
  sqlite3_busy_timeout(m_db, 0);
  const int rc = sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_FULL, nullptr, nullptr);
  sqlite3_busy_timeout(m_db, static_cast<int>(m_busy.count()));
  if (rc == SQLITE_BUSY) {
    return false;
  }
  if (rc != SQLITE_OK) {
    fail(m_db, rc);
  }
  return true;
}

std::int64_t Database::changes() const
{
  return sqlite3_changes64(m_db);
}

void Database::add_column_if_missing(std::string_view table, std::string_view column, std::string_view definition)
{
  Statement has(*this, fmt::format("SELECT count(*) FROM pragma_table_info('{}') WHERE name = ?", table));
  has.bind(1, column);
  has.step();
  if (has.int64(0) == 0) {
    exec(fmt::format("ALTER TABLE {} ADD COLUMN {} {}", table, column, definition));
  }
}

util::Library library()
{
  return {"SQLite", SQLITE_VERSION, sqlite3_libversion()};
}

} // namespace acx::sqlite
