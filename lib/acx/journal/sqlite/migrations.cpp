// The journal's schema as numbered migrations: each applied once, in order, in a transaction of its own that also
// sets SQLite's user_version to its number. A journal written before migrations were numbered has user_version 0.
#include <fmt/format.h>

#include "acx/journal/sqlite/schema.hpp"
#include "acx/util/error.hpp"

namespace acx::journal::in_sqlite {

namespace {

// 1: the schema of every release before migrations were numbered ("acx-journal-1"), with the columns those releases
// added one by one, and the outbox's tables. Records are the same shape in both tables; refused ones are bounded and
// kept apart so they never slow the accepted path or the duplicate check.
void first_schema(Database& db)
{
  db.exec(R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY,
  received TEXT NOT NULL, remote TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
  status TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
  topic TEXT NOT NULL, event_id TEXT NOT NULL, subscription_id TEXT NOT NULL, event_time TEXT NOT NULL,
  original INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_accepted_event_id ON deliveries(event_id) WHERE status = 'accepted';
CREATE TABLE IF NOT EXISTS refused (
  seq INTEGER PRIMARY KEY,
  received TEXT NOT NULL, remote TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
  status TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
  topic TEXT NOT NULL, event_id TEXT NOT NULL, subscription_id TEXT NOT NULL, event_time TEXT NOT NULL,
  body_bytes INTEGER NOT NULL DEFAULT 0, body_sha256 TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, target TEXT NOT NULL, topics TEXT NOT NULL,
  watermark INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS consumer_marks (consumer TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL,
  PRIMARY KEY (consumer, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumer_attempts (consumer TEXT NOT NULL, seq INTEGER NOT NULL, attempt INTEGER NOT NULL,
  at TEXT NOT NULL, status INTEGER NOT NULL, ms REAL NOT NULL, answer TEXT NOT NULL, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS consumer_attempts_seq ON consumer_attempts(seq);
)sql");
  db.add_column_if_missing("deliveries", "original", "INTEGER NOT NULL DEFAULT 0");
  db.add_column_if_missing("refused", "body_bytes", "INTEGER NOT NULL DEFAULT 0");
  db.add_column_if_missing("refused", "body_sha256", "TEXT NOT NULL DEFAULT ''");
  // The event's facts (NULL in records written before they were stored: derived when read).
  db.add_column_if_missing("deliveries", "subject", "TEXT");
  db.add_column_if_missing("deliveries", "gist", "TEXT");
  Statement put(db, "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', 'acx-journal-1')");
  put.run();
}

// 2: a journal of months. Every filter of the inspect page and acx events through an index (counts by topic and
// verdict too); text search through FTS5: words and word prefixes of the body, the eventId and the topic ('-' joins a
// word, so a GUID is one). The text index is filled behind the write path, by the writer when no append waits
// (Writer::index_text); meta's text_indexed says how far. Only rows it has indexed are deleted from it.
void searchable(Database& db)
{
  db.exec(R"sql(
CREATE INDEX deliveries_topic ON deliveries(topic);
CREATE INDEX deliveries_subscription ON deliveries(subscription_id);
CREATE INDEX deliveries_received ON deliveries(received);
CREATE INDEX deliveries_duplicate ON deliveries(seq) WHERE status = 'duplicate';
CREATE VIRTUAL TABLE deliveries_text USING fts5(body, event_id, topic, content = 'deliveries',
  content_rowid = 'seq', tokenize = "unicode61 remove_diacritics 2 tokenchars '-'");
INSERT INTO meta(key, value) VALUES ('text_indexed', '0');
CREATE TRIGGER deliveries_text_delete AFTER DELETE ON deliveries
  WHEN old.seq <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'text_indexed') BEGIN
  INSERT INTO deliveries_text(deliveries_text, rowid, body, event_id, topic)
    VALUES ('delete', old.seq, old.body, old.event_id, old.topic);
END;
CREATE TRIGGER deliveries_text_update AFTER UPDATE OF body, event_id, topic ON deliveries
  WHEN old.seq <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'text_indexed') BEGIN
  INSERT INTO deliveries_text(deliveries_text, rowid, body, event_id, topic)
    VALUES ('delete', old.seq, old.body, old.event_id, old.topic);
  INSERT INTO deliveries_text(rowid, body, event_id, topic) VALUES (new.seq, new.body, new.event_id, new.topic);
END;
)sql");
}

// 3: the path each delivery came to (its token segment removed), for exports (HAR) and the relay; '' in records
// written before it.
void with_paths(Database& db)
{
  db.exec("ALTER TABLE deliveries ADD COLUMN path TEXT NOT NULL DEFAULT ''");
  db.exec("ALTER TABLE refused ADD COLUMN path TEXT NOT NULL DEFAULT ''");
}

// 4: the events acx reconcile --repair rebuilt (remote 'reconcile'), counted by acx events stats through an index.
void reconciled(Database& db)
{
  db.exec("CREATE INDEX deliveries_reconciled ON deliveries(topic) WHERE remote = 'reconcile'");
}

// 5: how each delivery differs from its topic's schema (acx listen --contract): a JSON array, '' for none or unchecked.
void with_drift(Database& db)
{
  db.exec("ALTER TABLE deliveries ADD COLUMN drift TEXT NOT NULL DEFAULT ''");
  db.exec("CREATE INDEX deliveries_drift ON deliveries(seq) WHERE drift <> ''");
}

// 6: when each consumer's circuit breaker opened, while it is open (acx events stats, the page).
void with_circuits(Database& db)
{
  db.exec("ALTER TABLE consumers ADD COLUMN circuit TEXT NOT NULL DEFAULT ''");
}

} // namespace

const std::vector<Migration>& migrations()
{
  static const std::vector<Migration> all{
      {1, "the first journal schema", first_schema},
      {2, "indexes for every filter, FTS5 text search", searchable},
      {3, "the path each delivery came to", with_paths},
      {4, "an index of the events acx reconcile --repair rebuilt", reconciled},
      {5, "the drift of each delivery from its topic's schema", with_drift},
      {6, "when each consumer's circuit breaker opened", with_circuits},
  };
  return all;
}

int schema_version(Database& db)
{
  Statement st(db, "PRAGMA user_version");
  st.step();
  return static_cast<int>(st.int64(0));
}

int migrate(Database& db, const std::string& path)
{
  const int latest = migrations().back().number;
  const int found = schema_version(db);
  if (found > latest) {
    throw Error(ExitCode::io, fmt::format("journal {} was written by a newer acx (schema {}; this acx knows up to {})",
                                          path, found, latest));
  }
  for (const auto& m : migrations()) {
    if (m.number <= found) {
      continue;
    }
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have applied it while this one waited for the lock.
      if (schema_version(db) < m.number) {
        m.apply(db);
        db.exec(fmt::format("PRAGMA user_version = {}", m.number));
      }
      db.exec("COMMIT");
    } catch (...) {
      db.rollback_quietly();
      throw;
    }
  }
  return found;
}

} // namespace acx::journal::in_sqlite
