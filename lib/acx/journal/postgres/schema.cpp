#include "acx/journal/postgres/schema.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/util/error.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

namespace acx::journal::in_postgres {

namespace {

struct Migration {
  int number;
  const char* what;
  const char* sql;
};

// The journal's tables on PostgreSQL, as numbered migrations (the same tables and meanings as the SQLite journal's
// migrations 1 to 3, in one: this engine started at that schema; then PostgreSQL's own types). Text search scans the
// bodies (no index: a shared journal is searched by the inspect page and acx events, not on the write path).
const std::vector<Migration>& migrations()
{
  static const std::vector<Migration> all{
      {1, "the journal, the outbox and their indexes", R"sql(
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE deliveries (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received text NOT NULL, remote text NOT NULL, headers text NOT NULL, body bytea NOT NULL,
  status text NOT NULL, reason text NOT NULL, detail text NOT NULL,
  topic text NOT NULL, event_id text NOT NULL, subscription_id text NOT NULL, event_time text NOT NULL,
  original bigint NOT NULL DEFAULT 0, subject text NOT NULL DEFAULT '', gist text NOT NULL DEFAULT '',
  path text NOT NULL DEFAULT '');
CREATE UNIQUE INDEX deliveries_accepted_event_id ON deliveries(event_id) WHERE status = 'accepted';
CREATE INDEX deliveries_topic ON deliveries(topic);
CREATE INDEX deliveries_subscription ON deliveries(subscription_id);
CREATE INDEX deliveries_received ON deliveries(received);
CREATE INDEX deliveries_duplicate ON deliveries(seq) WHERE status = 'duplicate';
CREATE TABLE refused (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received text NOT NULL, remote text NOT NULL, headers text NOT NULL, body bytea NOT NULL,
  status text NOT NULL, reason text NOT NULL, detail text NOT NULL,
  topic text NOT NULL, event_id text NOT NULL, subscription_id text NOT NULL, event_time text NOT NULL,
  subject text NOT NULL DEFAULT '', gist text NOT NULL DEFAULT '', path text NOT NULL DEFAULT '',
  body_bytes bigint NOT NULL DEFAULT 0, body_sha256 text NOT NULL DEFAULT '');
CREATE TABLE consumers (name text PRIMARY KEY, target text NOT NULL, topics text NOT NULL, watermark bigint NOT NULL,
  holder text NOT NULL DEFAULT '', lease_until timestamptz);
CREATE TABLE consumer_marks (consumer text NOT NULL, seq bigint NOT NULL, state text NOT NULL,
  PRIMARY KEY (consumer, seq));
CREATE TABLE consumer_attempts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, consumer text NOT NULL,
  seq bigint NOT NULL, attempt integer NOT NULL, at text NOT NULL, status integer NOT NULL, ms bigint NOT NULL,
  answer text NOT NULL, state text NOT NULL);
CREATE INDEX consumer_attempts_seq ON consumer_attempts(seq);
INSERT INTO meta(key, value) VALUES ('schema', 'acx-journal-1');
)sql"},
      {2, "times as timestamptz, headers as jsonb", R"sql(
ALTER TABLE deliveries ALTER COLUMN received TYPE timestamptz USING received::timestamptz,
  ALTER COLUMN headers TYPE jsonb USING headers::jsonb;
ALTER TABLE refused ALTER COLUMN received TYPE timestamptz USING received::timestamptz,
  ALTER COLUMN headers TYPE jsonb USING headers::jsonb;
ALTER TABLE consumer_attempts ALTER COLUMN at TYPE timestamptz USING at::timestamptz;
)sql"},
      {3, "an index of the events acx reconcile --repair rebuilt", R"sql(
CREATE INDEX deliveries_reconciled ON deliveries(topic) WHERE remote = 'reconcile';
)sql"},
      {4, "the drift of each delivery from its topic's schema (acx listen --contract)", R"sql(
ALTER TABLE deliveries ADD COLUMN drift text NOT NULL DEFAULT '';
CREATE INDEX deliveries_drift ON deliveries(seq) WHERE drift <> '';
)sql"},
      {5, "when each consumer's circuit breaker opened (acx listen --forward-breaker)", R"sql(
ALTER TABLE consumers ADD COLUMN circuit text NOT NULL DEFAULT '';
)sql"},
  };
  return all;
}

// A journal made before acx kept its tables in a schema of their own (in public): moved into `schema`, unless that
// already holds one. Indexes, sequences and the migration count move with the tables.
void move_from_public(pg::Connection& db, const std::string& schema)
{
  const char* find = "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'acx_migrations'";
  if (schema == "public" || db.exec(find, {std::string("public")}).int64(0, 0) == 0 ||
      db.exec(find, {schema}).int64(0, 0) > 0) {
    return;
  }
  for (const char* table :
       {"acx_migrations", "meta", "deliveries", "refused", "consumers", "consumer_marks", "consumer_attempts"}) {
    db.run(fmt::format("ALTER TABLE IF EXISTS public.{} SET SCHEMA \"{}\"", table, schema));
  }
}

// Applies what the database lacks, in one transaction under an advisory lock: listeners that start together wait for
// each other, and the second finds the work done (PostgreSQL's DDL is transactional: a migration that fails leaves
// nothing of itself).
void migrate(pg::Connection& db, const std::string& uri, const std::string& schema)
{
  const int latest = migrations().back().number;
  db.run("BEGIN");
  try {
    db.exec("SELECT pg_advisory_xact_lock($1)", {k_migrate_lock});
    // Created when missing (which needs CREATE on the database); an existing one, made by an administrator for a role
    // without that right (CREATE SCHEMA acx AUTHORIZATION app), is used as it is.
    if (db.exec("SELECT count(*) FROM pg_namespace WHERE nspname = $1", {schema}).int64(0, 0) == 0) {
      db.run(fmt::format("CREATE SCHEMA \"{}\"", schema));
    }
    move_from_public(db, schema);
    db.run("CREATE TABLE IF NOT EXISTS acx_migrations (number integer PRIMARY KEY, what text NOT NULL, "
           "applied_at timestamptz NOT NULL DEFAULT now())");
    const auto found = db.exec("SELECT coalesce(max(number), 0) FROM acx_migrations").int64(0, 0);
    if (found > latest) {
      throw Error(ExitCode::io,
                  fmt::format("journal {} was written by a newer acx (schema {}; this acx knows up to {})",
                              util::redact_url(uri), found, latest));
    }
    for (const auto& m : migrations()) {
      if (m.number > found) {
        db.run(m.sql);
        db.exec("INSERT INTO acx_migrations(number, what) VALUES ($1, $2)", {std::int64_t{m.number}, m.what});
      }
    }
    db.run("COMMIT");
  } catch (...) {
    db.rollback_quietly();
    throw;
  }
}

} // namespace

std::string Place::search_path() const
{
  return fmt::format("SET search_path TO \"{}\"", schema);
}

std::string Place::channel() const
{
  return "acx_journal_" + schema;
}

Place place_of(const std::string& uri)
{
  Place p{uri, "acx"};
  const auto query = uri.find('?');
  if (query == std::string::npos) {
    return p;
  }
  std::string kept;
  std::size_t at = query + 1;
  while (at <= uri.size()) {
    const auto end = std::min(uri.find('&', at), uri.size());
    const std::string pair = uri.substr(at, end - at);
    if (pair.rfind("schema=", 0) == 0) {
      p.schema = pair.substr(7);
    } else if (!pair.empty()) {
      kept += (kept.empty() ? "" : "&") + pair;
    }
    at = end + 1;
  }
  p.uri = uri.substr(0, query) + (kept.empty() ? "" : "?" + kept);
  const bool plain = !p.schema.empty() && p.schema.size() <= 63 &&
                     p.schema.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos &&
                     !(p.schema[0] >= '0' && p.schema[0] <= '9') && p.schema.rfind("pg_", 0) != 0;
  if (!plain) {
    throw Error(ExitCode::usage, fmt::format("journal {}: schema '{}' is not a plain name (a-z, 0-9, _; not pg_...)",
                                             util::redact_url(uri), util::excerpt(p.schema)));
  }
  return p;
}

std::unique_ptr<pg::Connection> connect(const std::string& uri, std::string setup)
{
  const Place place = place_of(uri);
  try {
    auto db = std::make_unique<pg::Connection>(place.uri, std::chrono::seconds(5),
                                               place.search_path() + (setup.empty() ? "" : "; " + setup));
    migrate(*db, uri, place.schema);
    return db;
  } catch (const pg::PgError& e) {
    throw_error(uri, e);
  }
}

Fault fault_of(const pg::PgError& e)
{
  if (e.failure == pg::Failure::connection) {
    return Fault::unreachable;
  }
  if (e.failure == pg::Failure::conflict) {
    return Fault::conflict;
  }
  // SQLSTATE classes: 53 insufficient resources (53100 disk full), 25006 a read-only transaction (a standby after a
  // failover), XX001/XX002 corrupted data or index.
  return e.sqlstate == "53100"                            ? Fault::full
         : e.sqlstate == "25006"                          ? Fault::read_only
         : e.sqlstate == "XX001" || e.sqlstate == "XX002" ? Fault::corrupt
                                                          : Fault::other;
}

void throw_error(const std::string& uri, const pg::PgError& e)
{
  // libpq's own words may quote part of a URI it read otherwise (a password with an unescaped '@' ends early).
  const std::string message = util::redact_secrets(e.message, util::url_credentials(uri));
  if (e.failure == pg::Failure::connection) {
    throw JournalError(fault_of(e),
                       fmt::format("cannot reach the journal's database {}: {}", util::redact_url(uri), message));
  }
  throw JournalError(fault_of(e), fmt::format("journal {}: {}", util::redact_url(uri), message));
}

std::string rfc3339(std::string_view column)
{
  return fmt::format(R"(to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))", column);
}

std::string select_list(Tables table)
{
  const char* alias = table == deliveries ? "d." : "";
  std::string out = fmt::format("{}seq", alias);
  for (const auto* c : columns(table)) {
    const std::string column = alias + std::string(c->name);
    if (table == deliveries && std::string_view(c->name) == "body") {
      out += ", CASE WHEN d.status = 'duplicate' AND d.original > 0 AND length(d.body) = 0 THEN coalesce((SELECT "
             "o.body FROM deliveries o WHERE o.seq = d.original), d.body) ELSE d.body END";
    } else if (c->type == detail::Type::time) {
      out += ", " + rfc3339(column);
    } else if (c->type == detail::Type::json) {
      out += ", " + column + "::text";
    } else {
      out += ", " + column;
    }
  }
  return out;
}

std::string placeholders(Tables table, int first)
{
  std::string out;
  int n = first;
  for (const auto* c : columns(table)) {
    const char* cast = c->type == detail::Type::time ? "::timestamptz" : c->type == detail::Type::json ? "::jsonb" : "";
    out += fmt::format("{}${}{}", n > first ? ", " : "", n, cast);
    ++n;
  }
  return out;
}

std::vector<pg::Param> column_params(Tables table, const Record& r, const Row& row)
{
  std::vector<pg::Param> out;
  for (const auto* c : columns(table)) {
    const detail::Value v = c->get(r, row);
    out.push_back(c->type == detail::Type::bytes     ? pg::Param::bytes(v.text)
                  : c->type == detail::Type::integer ? pg::Param(v.integer)
                                                     : pg::Param(v.text));
  }
  return out;
}

Record read_columns(const pg::Result& rows, int row, Tables table, bool decode_headers)
{
  std::string text; // the cell being read (a Value is a view)
  const auto& cols = columns(table);
  return detail::read_row(
      table, rows.int64(row, 0),
      [&](std::size_t i) {
        const int at = static_cast<int>(i) + 1;
        if (rows.is_null(row, at)) {
          return detail::Value{{}, 0, true};
        }
        switch (cols[i]->type) {
        case detail::Type::integer:
          return detail::Value{{}, rows.int64(row, at)};
        case detail::Type::bytes:
          text = rows.bytes(row, at);
          break;
        case detail::Type::json: // jsonb's text has spaces after commas: compact, as the SQLite journal keeps it
          text = nlohmann::json::parse(rows.text(row, at), nullptr, false).dump();
          break;
        default:
          text = rows.text(row, at);
        }
        return detail::Value{text};
      },
      decode_headers);
}

} // namespace acx::journal::in_postgres
