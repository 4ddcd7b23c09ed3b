#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

#include "acx/journal/journal.hpp"
#include "acx/journal/schema.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::journal {

namespace {

using sqlite::Database;
using sqlite::SqliteError;
using sqlite::Statement;

class SqliteReader final : public Reader {
public:
  explicit SqliteReader(const std::string& path) : m_path(path), m_db(open_db(path)) {}

  std::vector<Record> read(const Query& q) override
  {
    const std::string match = q.refused ? std::string() : detail::match_expression(q.text);
    try {
      Statement st(m_db, q.refused ? refused_sql(q) : deliveries_sql(q, !match.empty()));
      st.bind(1, q.after_seq);
      if (!q.topic.empty()) {
        st.bind(2, q.topic);
      }
      if (q.since) {
        st.bind(3, util::format_rfc3339(*q.since));
      }
      if (q.until) {
        st.bind(4, util::format_rfc3339(*q.until));
      }
      st.bind(5, static_cast<std::int64_t>(q.limit));
      if (!q.subscription.empty()) {
        st.bind(6, q.subscription);
      }
      if (!q.text.empty()) {
        st.bind(7, q.refused ? q.text : match);
      }
      if (q.before_seq) {
        st.bind(8, *q.before_seq);
      }
      std::vector<Record> out;
      while (st.step()) {
        out.push_back(q.refused ? detail::read_record(st, Status::refused, q.decode_headers)
                                : detail::read_delivery(st, q.decode_headers));
        if (q.refused) {
          out.back().body_bytes = static_cast<std::size_t>(st.int64(12));
          out.back().body_sha256 = st.text(13);
        }
      }
      return out;
    } catch (const SqliteError& e) {
      detail::throw_journal_error(m_path, e);
    }
  }

  std::optional<Record> find(const std::string& key) override
  {
    try {
      if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos && key.size() < 19) {
        return find_where("d.seq = ?1", static_cast<std::int64_t>(std::stoll(key)));
      }
      // An eventId (GUIDs are kept in lower case): the accepted record, through its unique index, else a duplicate
      // (its original was pruned).
      const std::string id = util::to_lower(key);
      if (auto r = find_where("d.event_id = ?1 AND d.status = 'accepted'", id)) {
        return r;
      }
      return find_where("d.event_id = ?1 AND d.status = 'duplicate' ORDER BY d.seq LIMIT 1", id);
    } catch (const SqliteError& e) {
      detail::throw_journal_error(m_path, e);
    }
  }

  template <class T> std::optional<Record> find_where(const char* where, const T& value)
  {
    Statement st(m_db, fmt::format("SELECT {} FROM deliveries d WHERE {}", detail::k_delivery_columns, where));
    st.bind(1, value);
    if (!st.step()) {
      return std::nullopt;
    }
    return detail::read_delivery(st);
  }

  std::optional<Record> find_refused(std::int64_t seq) override
  {
    try {
      Statement st(
          m_db, fmt::format("SELECT seq, {}, body_bytes, body_sha256 FROM refused WHERE seq = ?1", detail::k_columns));
      st.bind(1, seq);
      if (!st.step()) {
        return std::nullopt;
      }
      Record r = detail::read_record(st, Status::refused);
      r.body_bytes = static_cast<std::size_t>(st.int64(12));
      r.body_sha256 = st.text(13);
      return r;
    } catch (const SqliteError& e) {
      detail::throw_journal_error(m_path, e);
    }
  }

  std::int64_t last_seq() override
  {
    try {
      Statement st(m_db, "SELECT coalesce(max(seq), 0) FROM deliveries");
      st.step();
      return st.int64(0);
    } catch (const SqliteError& e) {
      detail::throw_journal_error(m_path, e);
    }
  }

  std::vector<Count> counts() override
  {
    try {
      // Deliveries' counts are kept by triggers (a journal of months is never scanned); refused ones are bounded.
      Statement st(m_db, "SELECT topic, status, n FROM delivery_counts WHERE n > 0 "
                         "UNION ALL SELECT topic, 'refused:' || reason, count(*) FROM refused "
                         "GROUP BY topic, reason ORDER BY 1, 2");
      std::vector<Count> out;
      while (st.step()) {
        out.push_back({st.text(0), st.text(1), st.int64(2)});
      }
      return out;
    } catch (const SqliteError& e) {
      detail::throw_journal_error(m_path, e);
    }
  }

private:
  // Deliveries: every filter through an index; text through FTS5, read in its order (rowid is seq) so that a page
  // stops at its LIMIT however many records match.
  static std::string deliveries_sql(const Query& q, bool search)
  {
    std::string sql = search ? fmt::format("SELECT {} FROM deliveries_text t CROSS JOIN deliveries d ON d.seq = "
                                           "t.rowid WHERE t.deliveries_text MATCH ?7 AND t.rowid > ?1",
                                           detail::k_delivery_columns)
                             : fmt::format("SELECT {} FROM deliveries d WHERE d.seq > ?1", detail::k_delivery_columns);
    const std::string key = search ? "t.rowid" : "d.seq";
    sql += q.topic.empty() ? "" : " AND d.topic = ?2";
    sql += q.since ? " AND d.received >= ?3" : "";
    sql += q.until ? " AND d.received < ?4" : "";
    sql += q.subscription.empty() ? "" : " AND d.subscription_id = ?6";
    sql += q.before_seq ? fmt::format(" AND {} < ?8", key) : "";
    if (q.status) { // a literal, so that the partial index of duplicates applies
      sql += fmt::format(" AND d.status = '{}'", status_name(*q.status));
    } else if (!q.duplicates) {
      sql += " AND d.status = 'accepted'";
    }
    return sql + fmt::format(" ORDER BY {} {} LIMIT ?5", key, q.newest_first ? "DESC" : "ASC");
  }

  // Refused records: a bounded table, scanned.
  static std::string refused_sql(const Query& q)
  {
    std::string sql =
        fmt::format("SELECT seq, {}, body_bytes, body_sha256 FROM refused WHERE seq > ?1", detail::k_columns);
    sql += q.topic.empty() ? "" : " AND topic = ?2";
    sql += q.since ? " AND received >= ?3" : "";
    sql += q.until ? " AND received < ?4" : "";
    sql += q.subscription.empty() ? "" : " AND subscription_id = ?6";
    sql += q.text.empty() ? "" : " AND (instr(body, ?7) > 0 OR instr(event_id, lower(?7)) > 0 OR instr(topic, ?7) > 0)";
    sql += q.before_seq ? " AND seq < ?8" : "";
    return sql + (q.newest_first ? " ORDER BY seq DESC LIMIT ?5" : " ORDER BY seq LIMIT ?5");
  }

  static Database open_db(const std::string& path)
  {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      throw Error(ExitCode::io, fmt::format("no journal at {} (acx listen creates it; --journal names another)", path));
    }
    try {
      // Opened read-write (never created) so that WAL's shared memory works while a writer runs; writes are refused.
      Database db(path, false);
      db.exec("PRAGMA busy_timeout = 2000");
      {
        Statement check(db, "SELECT value FROM meta WHERE key = 'schema'");
        check.step();
      }
      upgrade(db, path);
      db.exec("PRAGMA query_only = 1");
      return db;
    } catch (const SqliteError& e) {
      if (e.failure == sqlite::Failure::sql) {
        throw Error(ExitCode::io, fmt::format("{} is not an acx journal ({})", path, e.message));
      }
      detail::throw_journal_error(path, e);
    }
  }

  // A journal from an older acx, read before any writer opened it, is brought up to date first (its queries need
  // the newer schema's indexes).
  static void upgrade(Database& db, const std::string& path)
  {
    if (detail::schema_version(db) == detail::migrations().back().number) {
      return;
    }
    try {
      detail::migrate(db, path);
    } catch (const SqliteError& e) {
      if (e.failure != sqlite::Failure::read_only) {
        throw;
      }
      throw Error(ExitCode::io, fmt::format("journal {} was written by an older acx and is read-only here: open it "
                                            "once where it can be written (acx listen, or acx events on a copy)",
                                            path));
    }
  }

  std::string m_path;
  Database m_db;
};

} // namespace

std::unique_ptr<Reader> Reader::open(const std::string& path)
{
  return std::make_unique<SqliteReader>(path);
}

void read_each(Reader& reader, Query q, const std::function<void(Record&)>& each)
{
  for (auto batch = reader.read(q); !batch.empty(); batch = reader.read(q)) {
    q.after_seq = batch.back().seq;
    for (auto& r : batch) {
      each(r);
    }
  }
}

std::vector<Record> read_all(Reader& reader, Query q, std::size_t last)
{
  std::vector<Record> out;
  if (last > 0) { // the newest first, from the end of the journal: never the whole of it
    q.newest_first = true;
    q.limit = last;
    out = reader.read(q);
    std::reverse(out.begin(), out.end());
    return out;
  }
  read_each(reader, q, [&](Record& r) { out.push_back(std::move(r)); });
  return out;
}

} // namespace acx::journal
