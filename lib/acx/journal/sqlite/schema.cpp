#include "acx/journal/sqlite/schema.hpp"
#include "acx/event/json_reader.hpp"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/facts.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"

namespace acx::journal::in_sqlite {

namespace {
constexpr const char* k_schema_id = "acx-journal-1";
} // namespace

Database connect(const std::string& path, std::chrono::milliseconds busy)
{
  Database db(path, false);
  db.busy_timeout(busy);
  db.manual_checkpoints();
  return db;
}

void configure(Database& db)
{
  // A new journal gives back the pages that pruning refused deliveries frees (the writer runs incremental_vacuum):
  // set before anything is written, since it only takes on an empty file.
  db.exec("PRAGMA auto_vacuum = INCREMENTAL");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA journal_size_limit = 67108864"); // the WAL is truncated to this after a checkpoint
}

void ensure_schema(Database& db, const std::string& path)
{
  Statement tables(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                       "('meta', 'deliveries', 'refused')");
  tables.step();
  Statement meta(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  meta.step();
  if (meta.int64(0) == 0 && tables.int64(0) > 0) {
    throw Error(ExitCode::io, fmt::format("{} is an SQLite database but not an acx journal", path));
  }
  if (meta.int64(0) > 0) {
    Statement get(db, "SELECT value FROM meta WHERE key = 'schema'");
    if (get.step() && get.text(0) != k_schema_id) {
      throw Error(ExitCode::io,
                  fmt::format("{} is a journal of another format ({}); acx reads {}", path, get.text(0), k_schema_id));
    }
  }
  migrate(db, path);
  // Proves the journal writable now, not at the first delivery.
  Statement opened(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('opened', datetime('now'))");
  opened.run();
}

Database open_beside_writer(const std::string& path)
{
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ExitCode::io, fmt::format("no journal at {} (acx listen creates it; --journal names another)", path));
  }
  try {
    Database db = connect(path, std::chrono::seconds(10));
    db.exec("PRAGMA synchronous = NORMAL"); // WAL: committed against a crash of acx without an fsync each
    {
      Statement check(db, "SELECT value FROM meta WHERE key = 'schema'");
      check.step();
    }
    migrate(db, path);
    return db;
  } catch (const SqliteError& e) {
    if (e.failure == sqlite::Failure::sql) {
      throw Error(ExitCode::io, fmt::format("{} is not an acx journal ({})", path, e.message));
    }
    throw_journal_error(path, e);
  }
}

std::string select_list(Tables table)
{
  const char* alias = table == deliveries ? "d." : "";
  std::string out = fmt::format("{}seq", alias);
  for (const auto* c : columns(table)) {
    if (table == deliveries && std::string_view(c->name) == "body") {
      out += ", CASE WHEN d.status = 'duplicate' AND d.original > 0 AND length(d.body) = 0 THEN (SELECT o.body FROM "
             "deliveries o WHERE o.seq = d.original) ELSE d.body END";
    } else {
      out += fmt::format(", {}{}", alias, c->name);
    }
  }
  return out;
}

std::string placeholders(std::size_t n)
{
  std::string out;
  for (std::size_t i = 1; i <= n; ++i) {
    out += fmt::format("{}?{}", i > 1 ? ", " : "", i);
  }
  return out;
}

void bind_columns(Statement& st, Tables table, const Record& r, const Row& row)
{
  const auto& cols = columns(table);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const int at = static_cast<int>(i) + 1;
    const Value v = cols[i]->get(r, row);
    switch (cols[i]->type) {
    case Type::bytes:
      st.bind_blob(at, v.text.empty() ? std::string_view("", 0) : v.text); // empty, not NULL
      break;
    case Type::integer:
      st.bind(at, v.integer);
      break;
    default:
      st.bind_static(at, v.text);
    }
  }
}

Record read_columns(const Statement& st, Tables table, bool decode_headers)
{
  std::string text; // the cell being read (a Value is a view)
  return read_row(
      table, st.int64(0),
      [&](std::size_t i) {
        const int at = static_cast<int>(i) + 1;
        if (st.is_null(at)) {
          return Value{{}, 0, true};
        }
        if (columns(table)[i]->type == Type::integer) {
          return Value{{}, st.int64(at)};
        }
        text = st.text(at);
        return Value{text};
      },
      decode_headers);
}

TextIndex::TextIndex(Database& db)
    : m_db(db), m_begin(db, "BEGIN IMMEDIATE"), m_commit(db, "COMMIT"),
      m_next(db, "SELECT max(seq) FROM (SELECT seq FROM deliveries WHERE seq > ?1 ORDER BY seq LIMIT ?2)"),
      m_insert(db, "INSERT INTO deliveries_text(rowid, body, event_id, topic) SELECT seq, body, event_id, topic "
                   "FROM deliveries WHERE seq > ?1 AND seq <= ?2"),
      m_mark(db, "UPDATE meta SET value = ?1 WHERE key = 'text_indexed'"),
      m_get(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'text_indexed'")
{
}

std::int64_t TextIndex::indexed()
{
  const std::int64_t out = m_get.step() ? m_get.int64(0) : 0;
  m_get.reset();
  return out;
}

std::int64_t TextIndex::index_next(std::size_t limit)
{
  m_begin.run();
  try {
    const std::int64_t from = indexed();
    m_next.bind(1, from).bind(2, static_cast<std::int64_t>(limit));
    const std::int64_t to = m_next.step() && !m_next.is_null(0) ? m_next.int64(0) : from;
    m_next.reset();
    m_insert.bind(1, from).bind(2, to).run();
    m_mark.bind(1, to).run();
    m_commit.run();
    return to;
  } catch (...) {
    m_db.rollback_quietly();
    throw;
  }
}

std::string match_expression(std::string_view text)
{
  std::string out;
  bool in_word = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      out += in_word ? "\"*" : "";
      in_word = false;
      continue;
    }
    if (!in_word) {
      out += out.empty() ? "\"" : " \"";
      in_word = true;
    }
    out += c == '"' ? std::string_view("\"\"") : std::string_view(&c, 1);
  }
  return in_word ? out + "\"*" : out;
}

Fault fault_of(const SqliteError& e)
{
  switch (e.failure) {
  case Failure::not_a_database:
    return Fault::corrupt;
  case Failure::read_only:
    return Fault::read_only;
  case Failure::full:
    return Fault::full;
  case Failure::busy:
    return Fault::conflict;
  default:
    return Fault::other;
  }
}

void throw_journal_error(const std::string& path, const SqliteError& e)
{
  const Fault fault = fault_of(e);
  switch (e.failure) {
  case Failure::not_a_database:
    throw JournalError(fault, fmt::format("journal {} is corrupt or not an SQLite database ({})", path, e.message));
  case Failure::read_only:
    throw JournalError(fault, fmt::format("journal {} is read-only ({})", path, e.message));
  case Failure::full:
    throw JournalError(fault, fmt::format("journal {}: the disk is full ({})", path, e.message));
  case Failure::busy:
    throw JournalError(fault, fmt::format("journal {} is locked by another process ({})", path, e.message));
  case Failure::cannot_open:
    throw JournalError(fault, fmt::format("cannot open journal {} ({})", path, e.message));
  default:
    throw JournalError(fault, fmt::format("journal {}: {}", path, e.message));
  }
}

} // namespace acx::journal::in_sqlite
