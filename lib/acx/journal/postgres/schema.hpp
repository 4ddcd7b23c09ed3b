#pragma once

// The journal on PostgreSQL: what its writer, reader, outbox and pruner share (the schema and its migrations, the
// connection, row mapping and error wording). libpq stays in acx::pg.

#include <memory>
#include <string>
#include <vector>

#include "acx/journal/columns.hpp"
#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/prune.hpp"
#include "acx/pg/pg.hpp"

namespace acx::journal::in_postgres {

// The column description and the group commit, as this engine's own words.
using namespace detail;

// Where a journal lives in a database: libpq's URI (acx's own parameter taken out) and the schema that holds acx's
// tables: ?schema=NAME, `acx` by default. Throws acx::Error (usage) for a name that is not a plain identifier.
struct Place {
  std::string uri;
  std::string schema;
  std::string search_path() const; // SET search_path TO "<schema>"
  std::string channel() const;     // what each commit notifies: acx_journal_<schema>
};
Place place_of(const std::string& uri);

// A connection to the journal's database, its search path set to the journal's schema, with the schema brought up to
// date (numbered migrations, applied once whatever number of listeners start at once: each under a
// transaction-wide advisory lock). Throws acx::Error (io) when the database cannot be reached, or was written by a
// newer acx. `setup` runs after every connect (SET synchronous_commit ...).
std::unique_ptr<pg::Connection> connect(const std::string& uri, std::string setup = {});

// The journal's fault for a PostgreSQL failure.
Fault fault_of(const pg::PgError& e);
// The acx::Error to throw for a PostgreSQL failure on the journal at `uri` (shown with its password hidden).
[[noreturn]] void throw_error(const std::string& uri, const pg::PgError& e);

// A timestamptz column (or expression) as RFC 3339 text in UTC, with microseconds.
std::string rfc3339(std::string_view column);
// What a read selects from `table` (deliveries named d): seq, then columns(table). A duplicate stored as a reference
// to its original (same bytes, body not kept twice) reads the original's body.
std::string select_list(Tables table);
// "$first, $first+1::timestamptz, ...": the parameters of columns(table), cast to their columns' types.
std::string placeholders(Tables table, int first = 1);
// A record's values for columns(table), in order. They are views into the record and row, which must outlive them.
std::vector<pg::Param> column_params(Tables table, const Record& r, const Row& row);
// The record in row `row` of a result that selected select_list(table).
Record read_columns(const pg::Result& rows, int row, Tables table, bool decode_headers = true);

// The advisory lock every commit of deliveries takes, so that sequence numbers are committed in their order across
// listeners (a follower reading "after #N" never misses one committed late).
inline constexpr std::int64_t k_commit_lock = 0x61637831; // "acx1"
inline constexpr std::int64_t k_migrate_lock = 0x61637832;

} // namespace acx::journal::in_postgres
