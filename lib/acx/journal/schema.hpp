#pragma once

// What the journal's writer and reader share: the schema, row mapping, file opening and error wording.

#include <string>

#include "acx/journal/record.hpp"
#include "acx/sqlite/sqlite.hpp"

namespace acx::journal::detail {

using sqlite::Database;
using sqlite::Failure;
using sqlite::SqliteError;
using sqlite::Statement;

// Columns, in the order insert_sql binds them and select_columns reads them.
inline constexpr const char* k_columns =
    "received, remote, headers, body, status, reason, detail, topic, event_id, subscription_id, event_time";

// What to select for "seq, " + k_columns + ", " + k_fact_columns from deliveries: a duplicate stored as a reference to
// its original (same bytes, body not kept twice) reads the original's body.
inline constexpr const char* k_delivery_columns =
    "received, remote, headers, CASE WHEN status = 'duplicate' AND original > 0 AND length(body) = 0 THEN "
    "(SELECT o.body FROM deliveries o WHERE o.seq = deliveries.original) ELSE body END, status, reason, detail, "
    "topic, event_id, subscription_id, event_time, subject, gist";

// The columns of deliveries beyond k_columns, bound as parameters 12 and 13 of its inserts.
inline constexpr const char* k_fact_columns = "subject, gist";

// Creates the tables if missing and checks that the file is an acx journal. Throws SqliteError or acx::Error.
void ensure_schema(Database& db, const std::string& path);

// Applies the connection settings (WAL, full sync, busy timeout).
void configure(Database& db);

// A record's columns as they are stored, made by the appending thread so the writer thread only binds them.
struct Row {
  std::string received;
  std::string headers; // JSON: [["Name","value"],...]
  std::string status;
};
Row to_row(const Record& r);

// Binds a record and its row to parameters 1..11 of an insert with k_columns, without copying: both must outlive the
// statement's next step.
void bind_record(Statement& st, const Record& r, const Row& row);
// Reads a record from a row of "seq, " + k_columns.
Record read_record(const Statement& st, Status default_status, bool decode_headers = true);
// Binds a record's facts to parameters 12 and 13.
void bind_facts(Statement& st, const Record& r);
// Reads a delivery's record from a row of "seq, " + k_delivery_columns: its facts too (derived from the body for a
// record written before they were stored).
Record read_delivery(const Statement& st, bool decode_headers = true);

// The acx::Error to throw for an SQLite failure on `path` while `doing` ("open", "write").
[[noreturn]] void throw_journal_error(const std::string& path, const SqliteError& e);

} // namespace acx::journal::detail
