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
    std::string sql =
        q.refused
            ? fmt::format("SELECT seq, {}, body_bytes, body_sha256 FROM refused WHERE seq > ?1", detail::k_columns)
            : fmt::format("SELECT seq, {} FROM deliveries WHERE seq > ?1", detail::k_delivery_columns);
    if (!q.topic.empty()) {
      sql += " AND topic = ?2";
    }
    if (!q.refused && !q.duplicates) {
      sql += " AND status = 'accepted'";
    }
    if (q.since) {
      sql += " AND received >= ?3";
    }
    if (q.until) {
      sql += " AND received < ?4";
    }
    if (!q.subscription.empty()) {
      sql += " AND subscription_id = ?6";
    }
    if (!q.text.empty()) {
      sql += " AND (instr(body, ?7) > 0 OR instr(event_id, lower(?7)) > 0 OR instr(topic, ?7) > 0)";
    }
    if (q.before_seq) {
      sql += " AND seq < ?8";
    }
    if (q.status && !q.refused) {
      sql += " AND status = ?9";
    }
    sql += q.newest_first ? " ORDER BY seq DESC LIMIT ?5" : " ORDER BY seq LIMIT ?5";
    try {
      Statement st(m_db, sql);
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
        st.bind(7, q.text);
      }
      if (q.before_seq) {
        st.bind(8, *q.before_seq);
      }
      if (q.status && !q.refused) {
        st.bind(9, status_name(*q.status));
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
      Statement st(m_db, fmt::format("SELECT seq, {} FROM deliveries WHERE event_id = ?1 OR seq = ?2 "
                                     "ORDER BY status = 'accepted' DESC, seq LIMIT 1",
                                     detail::k_delivery_columns));
      st.bind(1, util::to_lower(key)); // eventIds are GUIDs, kept in lower case
      std::int64_t seq = -1;
      if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos && key.size() < 19) {
        seq = std::stoll(key);
      }
      st.bind(2, seq);
      if (!st.step()) {
        return std::nullopt;
      }
      return detail::read_delivery(st);
    } catch (const SqliteError& e) {
      detail::throw_journal_error(m_path, e);
    }
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
      Statement st(m_db, "SELECT topic, status, count(*) FROM deliveries GROUP BY topic, status "
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
      db.exec("PRAGMA query_only = 1");
      Statement check(db, "SELECT value FROM meta WHERE key = 'schema'");
      check.step();
      return db;
    } catch (const SqliteError& e) {
      if (e.failure == sqlite::Failure::sql) {
        throw Error(ExitCode::io, fmt::format("{} is not an acx journal ({})", path, e.message));
      }
      detail::throw_journal_error(path, e);
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

std::vector<Record> read_all(Reader& reader, Query q, std::size_t last)
{
  std::vector<Record> out;
  for (auto batch = reader.read(q); !batch.empty(); batch = reader.read(q)) {
    q.after_seq = batch.back().seq;
    for (auto& r : batch) {
      out.push_back(std::move(r));
    }
    if (last > 0 && out.size() > 2 * last) {
      out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(last));
    }
  }
  if (last > 0 && out.size() > last) {
    out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(last));
  }
  return out;
}

} // namespace acx::journal
