#pragma once

// What the journal's writer and reader share: the schema, row mapping, file opening and error wording.

#include <string>
#include <vector>

#include "acx/journal/group_writer.hpp"
#include "acx/journal/record.hpp"
#include "acx/sqlite/sqlite.hpp"

namespace acx::journal::in_sqlite {

using sqlite::Database;
using sqlite::Failure;
using sqlite::SqliteError;
using sqlite::Statement;

// The column description and the group commit, as this engine's own words.
using namespace detail;

// What a read selects from `table` (deliveries named d): seq, then columns(table). A duplicate stored as a reference
// to its original (same bytes, body not kept twice) reads the original's body.
std::string select_list(Tables table);
// "?1, ?2, ..., ?n".
std::string placeholders(std::size_t n);
// Binds columns(table) of a record and its row to parameters 1..N, without copying: both must outlive the statement's
// next step.
void bind_columns(Statement& st, Tables table, const Record& r, const Row& row);
// The record in the current row of a statement that selected select_list(table).
Record read_columns(const Statement& st, Tables table, bool decode_headers = true);

// Checks that the file is an acx journal (or empty) and brings its schema up to date. Throws SqliteError or
// acx::Error.
void ensure_schema(Database& db, const std::string& path);

// A second connection that writes to an existing journal beside its Writer (the outbox, the pruner): waits up to 10 s
// for the lock, commits without fsync (WAL), and brings the schema up to date. Throws acx::Error (io) when the journal
// is missing, not a journal, or cannot be opened.
Database open_beside_writer(const std::string& path);

// One numbered change to the journal's schema (migrations.cpp).
struct Migration {
  int number;
  const char* what;
  void (*apply)(Database&);
};
// Every migration, in order; the last one's number is the schema this acx writes.
const std::vector<Migration>& migrations();
// The journal's schema number (SQLite's user_version): 0 for a journal written before migrations were numbered.
int schema_version(Database& db);
// Applies the migrations the journal lacks, each once, in a transaction of its own; returns the number it had.
// Throws acx::Error for a journal newer than this acx, SqliteError when a migration fails (nothing of it applied).
int migrate(Database& db, const std::string& path);

// Opens a connection to an existing or new journal file as every acx connection to a journal is opened: it waits
// `busy` for another connection's lock, and never checkpoints the WAL by itself (Database::manual_checkpoints):
// only Database::checkpoint does, holding the write lock, so that no checkpoint runs beside another connection's
// commit (SQLite's WAL-reset bug, in Debian 12's SQLite: a listener has up to three connections writing, the
// writer's, the outbox's and the pruner's, and `acx events prune` may be a fourth).
Database connect(const std::string& path, std::chrono::milliseconds busy);
// Applies the writer's settings to a new or existing journal (WAL, full sync, incremental vacuum).
void configure(Database& db);

// The acx::Error to throw for an SQLite failure on `path` while `doing` ("open", "write").
// The text index of deliveries (FTS5, filled behind the write path) and how far it reaches.
class TextIndex {
public:
  explicit TextIndex(Database& db);
  // The highest sequence number indexed.
  std::int64_t indexed();
  // Indexes up to `limit` more committed records in one transaction; returns indexed(). Throws SqliteError.
  std::int64_t index_next(std::size_t limit);

private:
  Database& m_db;
  Statement m_begin, m_commit, m_next, m_insert, m_mark, m_get;
};

// The FTS5 query for what a user typed: every word, as a word or the start of one (quoted: nothing typed is an
// operator); empty when nothing in it is a word.
std::string match_expression(std::string_view text);

// The journal's fault for an SQLite failure.
Fault fault_of(const SqliteError& e);
[[noreturn]] void throw_journal_error(const std::string& path, const SqliteError& e);

} // namespace acx::journal::in_sqlite
