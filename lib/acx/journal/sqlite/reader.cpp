#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

#include "acx/event/topics.hpp"
#include "acx/journal/journal.hpp"
#include "acx/journal/sqlite/engine.hpp"
#include "acx/journal/sqlite/schema.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

namespace acx::journal::in_sqlite {

namespace {

using sqlite::Database;
using sqlite::SqliteError;
using sqlite::Statement;

class SqliteReader final : public Reader {
public:
  explicit SqliteReader(const std::string& path) : m_path(path), m_db(open_db(path)) {}

  std::vector<Record> read(const Query& q) override
  {
    try {
      if (q.refused) {
        return run(refused_sql(q), q, [&](Statement& st) { bind_if(st, 7, q.text); });
      }
      const std::string match = match_expression(q.text);
      if (match.empty()) {
        return run(deliveries_sql(q, Search::none), q, [](Statement&) {});
      }
      // Text: through the index as far as it reaches, the newer rest scanned (the index is filled behind the write
      // path, so that rest is small unless the listener is saturated).
      const std::int64_t indexed = text_indexed();
      const auto words = lowered_words(q.text);
      auto indexed_part =
          run(deliveries_sql(q, Search::index), q, [&](Statement& st) { st.bind(7, match).bind(10, indexed); });
      auto scanned_part = run(deliveries_sql(q, Search::scan, words.size()), q, [&](Statement& st) {
        st.bind(10, indexed);
        for (std::size_t i = 0; i < words.size(); ++i) {
          st.bind(static_cast<int>(11 + i), words[i]);
        }
      });
      auto& first = q.newest_first ? scanned_part : indexed_part;
      auto& second = q.newest_first ? indexed_part : scanned_part;
      for (auto& r : second) {
        first.push_back(std::move(r));
      }
      if (first.size() > q.limit) {
        first.resize(q.limit);
      }
      return std::move(first);
    } catch (const SqliteError& e) {
      throw_journal_error(m_path, e);
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
      throw_journal_error(m_path, e);
    }
  }

  template <class T> std::optional<Record> find_where(const char* where, const T& value)
  {
    Statement st(m_db, fmt::format("SELECT {} FROM deliveries d WHERE {}", select_list(deliveries), where));
    st.bind(1, value);
    if (!st.step()) {
      return std::nullopt;
    }
    return read_columns(st, deliveries);
  }

  std::optional<Record> find_refused(std::int64_t seq) override
  {
    try {
      Statement st(m_db, fmt::format("SELECT {} FROM refused WHERE seq = ?1", select_list(refused)));
      st.bind(1, seq);
      if (!st.step()) {
        return std::nullopt;
      }
      return read_columns(st, refused);
    } catch (const SqliteError& e) {
      throw_journal_error(m_path, e);
    }
  }

  std::int64_t pruned_below() override
  {
    try {
      Statement st(m_db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pruned_below'");
      return st.step() ? st.int64(0) : 0;
    } catch (const SqliteError& e) {
      throw_journal_error(m_path, e);
    }
  }

  std::int64_t last_seq() override
  {
    try {
      Statement st(m_db, "SELECT coalesce(max(seq), 0) FROM deliveries");
      st.step();
      return st.int64(0);
    } catch (const SqliteError& e) {
      throw_journal_error(m_path, e);
    }
  }

  std::vector<Count> counts() override
  {
    try {
      // Deliveries through indexes only: by topic (the topic index), of which duplicates (their partial index);
      // refused ones are bounded.
      Statement st(m_db, "WITH topics AS (SELECT topic, count(*) AS n FROM deliveries GROUP BY topic), "
                         "duplicates AS (SELECT topic, count(*) AS n FROM deliveries INDEXED BY deliveries_duplicate "
                         "WHERE status = 'duplicate' "
                         "GROUP BY topic) "
                         "SELECT t.topic, 'accepted', t.n - coalesce(d.n, 0) FROM topics t LEFT JOIN duplicates d "
                         "ON d.topic = t.topic WHERE t.n > coalesce(d.n, 0) "
                         "UNION ALL SELECT topic, 'duplicate', n FROM duplicates "
                         "UNION ALL SELECT topic, 'reconciled', count(*) FROM deliveries INDEXED BY "
                         "deliveries_reconciled WHERE remote = 'reconcile' AND status = 'accepted' GROUP BY topic "
                         "UNION ALL SELECT topic, 'refused:' || reason, count(*) FROM refused "
                         "GROUP BY topic, reason ORDER BY 1, 2");
      std::vector<Count> out;
      while (st.step()) {
        out.push_back({st.text(0), st.text(1), st.int64(2)});
      }
      return out;
    } catch (const SqliteError& e) {
      throw_journal_error(m_path, e);
    }
  }

  Extent extent() override
  {
    try {
      Extent e;
      Statement range(m_db, "SELECT coalesce(min(seq), 0), coalesce(max(seq), 0) FROM deliveries");
      range.step();
      e.oldest_seq = range.int64(0);
      e.newest_seq = range.int64(1);
      Statement oldest(m_db, "SELECT received FROM deliveries ORDER BY seq LIMIT 1");
      if (oldest.step()) {
        e.oldest_received = util::parse_rfc3339_utc(oldest.text(0));
      }
      std::error_code ec;
      e.file_bytes = std::filesystem::file_size(m_path, ec);
      e.wal_bytes = std::filesystem::file_size(m_path + "-wal", ec);
      e.wal_bytes = ec ? 0 : e.wal_bytes;
      Statement meta(m_db, "SELECT key, value FROM meta WHERE key IN ('pruned_below', 'pruned_at', 'retention')");
      while (meta.step()) {
        const std::string key = meta.text(0);
        if (key == "pruned_below") {
          e.pruned_below = meta.int64(1);
        } else if (key == "pruned_at") {
          e.pruned_at = meta.text(1);
        } else if (key == "retention") {
          e.retention = meta.text(1);
        }
      }
      return e;
    } catch (const SqliteError& e) {
      throw_journal_error(m_path, e);
    }
  }

  std::optional<std::int64_t> upstream_cursor(const std::string& upstream) override
  {
    try {
      Statement st(m_db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'upstream ' || ?1");
      st.bind(1, upstream);
      return st.step() ? std::optional(st.int64(0)) : std::nullopt;
    } catch (const SqliteError& e) {
      throw_journal_error(m_path, e);
    }
  }

private:
  enum class Search { none, index, scan };

  // Runs a query of deliveries_sql or refused_sql: binds the filters every query shares (parameters 1 to 8), then
  // `bind_more`'s.
  template <class Bind> std::vector<Record> run(const std::string& sql, const Query& q, Bind bind_more)
  {
    Statement st(m_db, sql);
    st.bind(1, q.after_seq);
    bind_if(st, 2, event::topic_glob(q.topic));
    if (q.since) {
      st.bind(3, util::format_rfc3339(*q.since));
    }
    if (q.until) {
      st.bind(4, util::format_rfc3339(*q.until));
    }
    st.bind(5, static_cast<std::int64_t>(q.limit));
    bind_if(st, 6, q.subscription);
    if (q.before_seq) {
      st.bind(8, *q.before_seq);
    }
    bind_more(st);
    std::vector<Record> out;
    std::size_t bytes = 0;
    while ((q.max_bytes == 0 || bytes < q.max_bytes) && st.step()) {
      out.push_back(read_columns(st, q.refused ? refused : deliveries, q.decode_headers));
      bytes += out.back().body.size();
    }
    return out;
  }

  static void bind_if(Statement& st, int index, const std::string& value)
  {
    if (!value.empty()) {
      st.bind(index, value);
    }
  }

  // The words of a search, in lower case, for scanning what the text index does not reach yet (at most 16).
  static std::vector<std::string> lowered_words(const std::string& text)
  {
    std::vector<std::string> out;
    std::string word;
    for (const char c : text + ' ') {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (!word.empty() && out.size() < 16) {
          out.push_back(util::to_lower(word));
        }
        word.clear();
      } else {
        word += c;
      }
    }
    return out;
  }

  std::int64_t text_indexed()
  {
    Statement st(m_db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'text_indexed'");
    return st.step() ? st.int64(0) : 0;
  }

  // Deliveries: every filter through an index; text through FTS5 (Search::index, read in its order: rowid is seq, so
  // a page stops at its LIMIT however many records match), or by scanning the records beyond the index
  // (Search::scan, parameters 11 on: the lowered words).
  static std::string deliveries_sql(const Query& q, Search search, std::size_t words = 0)
  {
    const bool index = search == Search::index;
    const std::string key = index ? "t.rowid" : "d.seq";
    // One range of sequence numbers, so that SQLite seeks to it: after ?1, before ?8, the text index's reach (?10),
    // and a time range as sequence numbers too (received times grow with them), found through the received index
    // with a minute's margin for records committed out of order.
    constexpr const char* k_first_at = "(SELECT seq FROM deliveries WHERE received >= strftime('%Y-%m-%dT%H:%M:%fZ', "
                                       "{}, '{} minute') ORDER BY received LIMIT 1)";
    std::vector<std::string> above{"?1"}, below;
    if (search != Search::none) {
      (index ? below : above).push_back("?10" + std::string(index ? " + 1" : ""));
    }
    if (q.since) {
      above.push_back(fmt::format("coalesce({}, 9223372036854775807) - 1", fmt::format(k_first_at, "?3", "-1")));
    }
    if (q.until) {
      below.push_back(fmt::format("coalesce({}, 9223372036854775807) + 1", fmt::format(k_first_at, "?4", "+1")));
    }
    if (q.before_seq) {
      below.push_back("?8");
    }
    auto bound = [](const char* f, const std::vector<std::string>& v) {
      return v.size() == 1 ? v[0] : fmt::format("{}({})", f, fmt::join(v, ", "));
    };
    std::string sql =
        index ? fmt::format("SELECT {} FROM deliveries_text t CROSS JOIN deliveries d ON d.seq = t.rowid WHERE "
                            "t.deliveries_text MATCH ?7",
                            select_list(deliveries))
              : fmt::format("SELECT {} FROM deliveries d WHERE 1", select_list(deliveries));
    sql += fmt::format(" AND {} > {}", key, bound("max", above));
    sql += below.empty() ? "" : fmt::format(" AND {} < {}", key, bound("min", below));
    for (std::size_t i = 0; search == Search::scan && i < words; ++i) {
      sql += fmt::format(" AND instr(lower(d.body || ' ' || d.event_id || ' ' || d.topic), ?{}) > 0", 11 + i);
    }
    sql += q.topic.empty() ? "" : " AND d.topic GLOB ?2";
    sql += q.since ? " AND d.received >= ?3" : "";
    sql += q.until ? " AND d.received < ?4" : "";
    sql += q.subscription.empty() ? "" : " AND d.subscription_id = ?6";
    if (q.status) { // a literal, so that the partial index of duplicates applies
      sql += fmt::format(" AND d.status = '{}'", status_name(*q.status));
    } else if (!q.duplicates) {
      sql += " AND d.status = 'accepted'";
    }
    sql += q.drift ? " AND d.drift <> ''" : ""; // a literal, so that the partial index of drift applies
    return sql + fmt::format(" ORDER BY {} {} LIMIT ?5", key, q.newest_first ? "DESC" : "ASC");
  }

  // Refused records: a bounded table, scanned.
  static std::string refused_sql(const Query& q)
  {
    std::string sql = fmt::format("SELECT {} FROM refused WHERE seq > ?1", select_list(refused));
    sql += q.topic.empty() ? "" : " AND topic GLOB ?2";
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
      Database db = connect(path, std::chrono::seconds(2));
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
      throw_journal_error(path, e);
    }
  }

  // A journal from an older acx, read before any writer opened it, is brought up to date first (its queries need
  // the newer schema's indexes).
  static void upgrade(Database& db, const std::string& path)
  {
    if (schema_version(db) == migrations().back().number) {
      return;
    }
    try {
      migrate(db, path);
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

std::unique_ptr<Reader> open_reader(const std::string& path)
{
  return std::make_unique<SqliteReader>(path);
}

} // namespace acx::journal::in_sqlite
