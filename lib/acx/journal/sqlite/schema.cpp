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

void bind_record(Statement& st, const Record& r, const detail::Row& row)
{
  st.bind_static(1, row.received)
      .bind_static(2, r.remote)
      .bind_static(3, row.headers)
      .bind_blob(4, r.body)
      .bind_static(5, row.status)
      .bind_static(6, r.reason)
      .bind_static(7, r.detail)
      .bind_static(8, r.topic)
      .bind_static(9, r.event_id)
      .bind_static(10, r.subscription_id)
      .bind_static(11, r.event_time);
}

Record read_record(const Statement& st, Status default_status, bool decode_headers)
{
  Record r;
  r.seq = st.int64(0);
  r.received = util::parse_rfc3339_utc(st.text(1)).value_or(util::Instant{});
  r.remote = st.text(2);
  r.headers_json = st.text(3);
  const auto headers = decode_headers ? nlohmann::json::parse(r.headers_json, nullptr, false) : nlohmann::json();
  if (headers.is_array()) {
    for (const auto& h : headers) {
      if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
        r.headers.add(h[0].get<std::string>(), h[1].get<std::string>());
      }
    }
  }
  r.body = st.text(4);
  const std::string status = st.text(5);
  r.status = status == "accepted" ? Status::accepted : status == "duplicate" ? Status::duplicate : default_status;
  r.reason = st.text(6);
  r.detail = st.text(7);
  r.topic = st.text(8);
  r.event_id = st.text(9);
  r.subscription_id = st.text(10);
  r.event_time = st.text(11);
  return r;
}

void bind_facts(Statement& st, const Record& r)
{
  st.bind_static(12, r.subject).bind_static(13, r.gist);
}

Record read_delivery(const Statement& st, bool decode_headers)
{
  Record r = read_record(st, Status::accepted, decode_headers);
  if (st.is_null(12)) {
    const auto body = event::parse_untrusted(r.body);
    const nlohmann::json* event = event::member(body, "event");
    auto facts = event ? event::facts(*event) : event::Facts{};
    r.subject = std::move(facts.subject);
    r.gist = std::move(facts.gist);
  } else {
    r.subject = st.text(12);
    r.gist = st.text(13);
  }
  r.path = st.text(k_path_column);
  return r;
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

void throw_journal_error(const std::string& path, const SqliteError& e)
{
  switch (e.failure) {
  case Failure::not_a_database:
    throw Error(ExitCode::io, fmt::format("journal {} is corrupt or not an SQLite database ({})", path, e.message));
  case Failure::read_only:
    throw Error(ExitCode::io, fmt::format("journal {} is read-only ({})", path, e.message));
  case Failure::full:
    throw Error(ExitCode::io, fmt::format("journal {}: the disk is full ({})", path, e.message));
  case Failure::busy:
    throw Error(ExitCode::io, fmt::format("journal {} is locked by another process ({})", path, e.message));
  case Failure::cannot_open:
    throw Error(ExitCode::io, fmt::format("cannot open journal {} ({})", path, e.message));
  default:
    throw Error(ExitCode::io, fmt::format("journal {}: {}", path, e.message));
  }
}

} // namespace acx::journal::in_sqlite
