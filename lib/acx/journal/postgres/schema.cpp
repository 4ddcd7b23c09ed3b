#include "acx/journal/postgres/schema.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/util/error.hpp"
#include "acx/util/url.hpp"

namespace acx::journal::in_postgres {

namespace {

struct Migration {
  int number;
  const char* what;
  const char* sql;
};

// The journal's schema on PostgreSQL, as numbered migrations (the same tables and meanings as the SQLite journal's
// migrations 1 to 3, in one: this backend started at that schema). Text search scans the bodies (no index: a shared
// journal is searched by the inspect page and acx events, not on the write path).
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
  };
  return all;
}

// Applies what the database lacks, in one transaction under an advisory lock: listeners that start together wait for
// each other, and the second finds the work done (PostgreSQL's DDL is transactional: a migration that fails leaves
// nothing of itself).
void migrate(pg::Connection& db, const std::string& uri)
{
  const int latest = migrations().back().number;
  db.run("BEGIN");
  try {
    db.exec("SELECT pg_advisory_xact_lock($1)", {k_migrate_lock});
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

Record read_common(const pg::Result& rows, int row, bool decode_headers)
{
  Record r;
  r.seq = rows.int64(row, 0);
  r.received = util::parse_rfc3339_utc(rows.text(row, 1)).value_or(util::Instant{});
  r.remote = rows.text(row, 2);
  r.headers_json = rows.text(row, 3);
  const auto headers = decode_headers ? nlohmann::json::parse(r.headers_json, nullptr, false) : nlohmann::json();
  if (headers.is_array()) {
    for (const auto& h : headers) {
      if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
        r.headers.add(h[0].get<std::string>(), h[1].get<std::string>());
      }
    }
  }
  r.body = rows.bytes(row, 4);
  const std::string status = rows.text(row, 5);
  r.status = status == "accepted" ? Status::accepted : status == "duplicate" ? Status::duplicate : Status::refused;
  r.reason = rows.text(row, 6);
  r.detail = rows.text(row, 7);
  r.topic = rows.text(row, 8);
  r.event_id = rows.text(row, 9);
  r.subscription_id = rows.text(row, 10);
  r.event_time = rows.text(row, 11);
  r.subject = rows.text(row, 12);
  r.gist = rows.text(row, 13);
  r.path = rows.text(row, 14);
  return r;
}

} // namespace

const char* const k_delivery_columns =
    "d.seq, d.received, d.remote, d.headers, CASE WHEN d.status = 'duplicate' AND d.original > 0 AND "
    "length(d.body) = 0 THEN coalesce((SELECT o.body FROM deliveries o WHERE o.seq = d.original), d.body) ELSE d.body "
    "END, d.status, d.reason, d.detail, d.topic, d.event_id, d.subscription_id, d.event_time, d.subject, d.gist, "
    "d.path";
const char* const k_refused_columns = "seq, received, remote, headers, body, status, reason, detail, topic, event_id, "
                                      "subscription_id, event_time, subject, gist, path, body_bytes, body_sha256";
const char* const k_insert_columns = "received, remote, headers, body, status, reason, detail, topic, event_id, "
                                     "subscription_id, event_time, subject, gist, path";

std::unique_ptr<pg::Connection> connect(const std::string& uri, std::string setup)
{
  try {
    auto db = std::make_unique<pg::Connection>(uri, std::chrono::seconds(5), std::move(setup));
    migrate(*db, uri);
    return db;
  } catch (const pg::PgError& e) {
    throw_error(uri, e);
  }
}

void throw_error(const std::string& uri, const pg::PgError& e)
{
  // libpq's own words may quote part of a URI it read otherwise (a password with an unescaped '@' ends early).
  const std::string message = util::redact_secrets(e.message, util::url_credentials(uri));
  if (e.failure == pg::Failure::connection) {
    throw Error(ExitCode::io,
                fmt::format("cannot reach the journal's database {}: {}", util::redact_url(uri), message));
  }
  throw Error(ExitCode::io, fmt::format("journal {}: {}", util::redact_url(uri), message));
}

std::vector<pg::Param> record_params(const Record& r, const std::string& received, const std::string& headers)
{
  return {received, r.remote, headers,    pg::Param::bytes(r.body), status_name(r.status), r.reason,
          r.detail, r.topic,  r.event_id, r.subscription_id,        r.event_time,          r.subject,
          r.gist,   r.path};
}

Record read_delivery(const pg::Result& rows, int row, bool decode_headers)
{
  return read_common(rows, row, decode_headers);
}

Record read_refused(const pg::Result& rows, int row, bool decode_headers)
{
  Record r = read_common(rows, row, decode_headers);
  r.status = Status::refused;
  r.body_bytes = static_cast<std::size_t>(rows.int64(row, 15));
  r.body_sha256 = rows.text(row, 16);
  return r;
}

} // namespace acx::journal::in_postgres
