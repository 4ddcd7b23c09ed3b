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

// Columns, in the order insert_sql binds them and select_columns reads them.
inline constexpr const char* k_columns =
    "received, remote, headers, body, status, reason, detail, topic, event_id, subscription_id, event_time";

// What to select for "seq, " + k_columns + ", " + k_fact_columns from deliveries (named d): a duplicate stored as a
// reference to its original (same bytes, body not kept twice) reads the original's body.
inline constexpr const char* k_delivery_columns =
    "d.seq, d.received, d.remote, d.headers, CASE WHEN d.status = 'duplicate' AND d.original > 0 AND length(d.body) = "
    "0 "
    "THEN (SELECT o.body FROM deliveries o WHERE o.seq = d.original) ELSE d.body END, d.status, d.reason, d.detail, "
    "d.topic, d.event_id, d.subscription_id, d.event_time, d.subject, d.gist, d.path";

// What to select from refused: its own columns after k_columns, then the path at k_path_column, as for deliveries.
inline constexpr const char* k_refused_columns =
    "seq, received, remote, headers, body, status, reason, detail, topic, event_id, subscription_id, event_time, "
    "body_bytes, body_sha256, path";
// Where the path is in a row of k_delivery_columns or k_refused_columns, and the parameter every insert binds it to.
inline constexpr int k_path_column = 14;
inline constexpr int k_path_parameter = 20;

// The columns of deliveries beyond k_columns, bound as parameters 12 and 13 of its inserts.
inline constexpr const char* k_fact_columns = "subject, gist";

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

// Binds a record and its row to parameters 1..11 of an insert with k_columns, without copying: both must outlive the
// statement's next step.
void bind_record(Statement& st, const Record& r, const detail::Row& row);
// Reads a record from a row of "seq, " + k_columns.
Record read_record(const Statement& st, Status default_status, bool decode_headers = true);
// Binds a record's facts to parameters 12 and 13.
void bind_facts(Statement& st, const Record& r);
// Reads a delivery's record from a row of k_delivery_columns: its facts too (derived from the body for a
// record written before they were stored).
Record read_delivery(const Statement& st, bool decode_headers = true);

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

[[noreturn]] void throw_journal_error(const std::string& path, const SqliteError& e);

} // namespace acx::journal::in_sqlite
