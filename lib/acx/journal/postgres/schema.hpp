#pragma once

// The journal on PostgreSQL: what its writer, reader, outbox and pruner share (the schema and its migrations, the
// connection, row mapping and error wording). libpq stays in acx::pg.

#include <memory>
#include <string>
#include <vector>

#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/prune.hpp"
#include "acx/pg/pg.hpp"

namespace acx::journal::in_postgres {

// A connection to the journal's database with its schema brought up to date (numbered migrations, applied once
// whatever number of listeners start at once: each under a transaction-wide advisory lock). Throws acx::Error (io)
// when the database cannot be reached, or was written by a newer acx.
// `setup` runs after every connect (SET synchronous_commit ...).
std::unique_ptr<pg::Connection> connect(const std::string& uri, std::string setup = {});

// The acx::Error to throw for a PostgreSQL failure on the journal at `uri` (shown with its password hidden).
[[noreturn]] void throw_error(const std::string& uri, const pg::PgError& e);

// What to select for a delivery from deliveries (named d), in the column order read_delivery reads.
extern const char* const k_delivery_columns;
// ... and for a refused record from refused.
extern const char* const k_refused_columns;
// The columns an insert of a record gives, in the order record_params lists them.
extern const char* const k_insert_columns;

// A record's values for k_insert_columns, as parameters ($1 ...): received, remote, headers, body, status, reason,
// detail, topic, event_id, subscription_id, event_time, subject, gist, path. `headers` and `received` are the row's
// texts, made by the caller (they must outlive the statement).
std::vector<pg::Param> record_params(const Record& r, const std::string& received, const std::string& headers);

Record read_delivery(const pg::Result& rows, int row, bool decode_headers = true);
Record read_refused(const pg::Result& rows, int row, bool decode_headers = true);

// The advisory lock every commit of deliveries takes, so that sequence numbers are committed in their order across
// listeners (a follower reading "after #N" never misses one committed late).
inline constexpr std::int64_t k_commit_lock = 0x61637831; // "acx1"
inline constexpr std::int64_t k_migrate_lock = 0x61637832;

} // namespace acx::journal::in_postgres
