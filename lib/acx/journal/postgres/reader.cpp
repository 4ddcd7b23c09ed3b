// The journal's reader on PostgreSQL: the queries of the SQLite reader, in PostgreSQL's terms. Text search scans
// (lower-cased, every word), as the SQLite reader does beyond its text index.
#include <fmt/format.h>

#include "acx/event/topics.hpp"
#include "acx/journal/postgres/engine.hpp"
#include "acx/journal/postgres/schema.hpp"
#include "acx/util/text.hpp"

namespace acx::journal::in_postgres {

namespace {

// A word of a search as it appears in encode(body, 'escape'): bytes with the high bit set as \ooo, a backslash
// doubled (so a body's bytes are searched without assuming they are UTF-8).
std::string escaped_word(const std::string& word)
{
  std::string out;
  for (const unsigned char c : util::to_lower(word)) {
    if (c >= 0x80) {
      out += fmt::format("\\{:03o}", c);
    } else {
      out += c == '\\' ? std::string("\\\\") : std::string(1, static_cast<char>(c));
    }
  }
  return out;
}

std::vector<std::string> words_of(const std::string& text)
{
  std::vector<std::string> out;
  std::string word;
  for (const char c : text + ' ') {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!word.empty() && out.size() < 16) {
        out.push_back(escaped_word(word));
      }
      word.clear();
    } else {
      word += c;
    }
  }
  return out;
}

class PgReader final : public Reader {
public:
  PgReader(std::string uri, std::unique_ptr<pg::Connection> db) : m_uri(std::move(uri)), m_db(std::move(db)) {}

  template <class F> auto guarded(F f)
  {
    try {
      m_db->reconnect_if_broken();
      return f();
    } catch (const pg::PgError& e) {
      throw_error(m_uri, e);
    }
  }
  std::vector<Record> read(const Query& q) override
  {
    return guarded([&] {
      std::vector<pg::Param> params{q.after_seq, static_cast<std::int64_t>(q.limit)};
      auto param = [&](pg::Param p) {
        params.push_back(std::move(p));
        return fmt::format("${}", params.size());
      };
      const bool refused = q.refused;
      std::string sql =
          refused ? fmt::format("SELECT {} FROM refused d WHERE d.seq > $1", select_list(in_postgres::refused))
                  : fmt::format("SELECT {} FROM deliveries d WHERE d.seq > $1", select_list(deliveries));
      sql += q.topic.empty() ? "" : " AND d.topic ~ " + param(event::topic_regex(q.topic));
      sql += q.since ? " AND d.received >= " + param(util::format_rfc3339(*q.since)) : "";
      sql += q.until ? " AND d.received < " + param(util::format_rfc3339(*q.until)) : "";
      sql += q.subscription.empty() ? "" : " AND d.subscription_id = " + param(q.subscription);
      sql += q.before_seq ? " AND d.seq < " + param(*q.before_seq) : "";
      for (const auto& w : words_of(q.text)) {
        sql += fmt::format(
            " AND strpos(lower(encode(d.body, 'escape') || ' ' || d.event_id || ' ' || d.topic), {}) > 0", param(w));
      }
      if (!refused && q.status) {
        sql += fmt::format(" AND d.status = '{}'", status_name(*q.status));
      } else if (!refused && !q.duplicates) {
        sql += " AND d.status = 'accepted'";
      }
      sql += !refused && q.drift ? " AND d.drift <> ''" : "";
      sql += fmt::format(" ORDER BY d.seq {} LIMIT $2", q.newest_first ? "DESC" : "ASC");
      const auto rows = m_db->exec(sql, params);
      std::vector<Record> out;
      for (int i = 0; i < rows.rows(); ++i) {
        out.push_back(read_columns(rows, i, refused ? in_postgres::refused : deliveries, q.decode_headers));
      }
      return out;
    });
  }

  std::optional<Record> find(const std::string& key) override
  {
    return guarded([&]() -> std::optional<Record> {
      if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos && key.size() < 19) {
        return one(fmt::format("SELECT {} FROM deliveries d WHERE d.seq = $1", select_list(deliveries)),
                   static_cast<std::int64_t>(std::stoll(key)));
      }
      // An eventId (GUIDs are kept in lower case): the accepted record, else a duplicate (its original was pruned).
      const std::string id = util::to_lower(key);
      if (auto r = one(fmt::format("SELECT {} FROM deliveries d WHERE d.event_id = $1 AND d.status = 'accepted'",
                                   select_list(deliveries)),
                       id)) {
        return r;
      }
      return one(fmt::format("SELECT {} FROM deliveries d WHERE d.event_id = $1 AND d.status = 'duplicate' ORDER BY "
                             "d.seq LIMIT 1",
                             select_list(deliveries)),
                 id);
    });
  }

  std::optional<Record> find_refused(std::int64_t seq) override
  {
    return guarded([&]() -> std::optional<Record> {
      const auto rows = m_db->exec(fmt::format("SELECT {} FROM refused WHERE seq = $1", select_list(refused)), {seq});
      return rows.rows() == 0 ? std::nullopt : std::optional(read_columns(rows, 0, refused));
    });
  }

  std::int64_t pruned_below() override
  {
    return guarded([&] {
      const auto rows = m_db->exec("SELECT value::bigint FROM meta WHERE key = 'pruned_below'");
      return rows.rows() == 0 ? std::int64_t{0} : rows.int64(0, 0);
    });
  }

  std::int64_t last_seq() override
  {
    return guarded([&] { return m_db->exec("SELECT coalesce(max(seq), 0) FROM deliveries").int64(0, 0); });
  }

  std::vector<Count> counts() override
  {
    return guarded([&] {
      const auto rows = m_db->exec(
          "SELECT topic, status, count(*) FROM deliveries GROUP BY topic, status UNION ALL SELECT topic, "
          "'reconciled', count(*) FROM deliveries WHERE remote = 'reconcile' AND status = 'accepted' GROUP BY "
          "topic UNION ALL "
          "SELECT topic, 'refused:' || reason, count(*) FROM refused GROUP BY topic, reason "
          "ORDER BY 1, 2");
      std::vector<Count> out;
      for (int i = 0; i < rows.rows(); ++i) {
        out.push_back({rows.text(i, 0), rows.text(i, 1), rows.int64(i, 2)});
      }
      return out;
    });
  }

  Extent extent() override
  {
    return guarded([&] {
      Extent e;
      const auto range =
          m_db->exec("SELECT coalesce(min(seq), 0), coalesce(max(seq), 0), (SELECT " + rfc3339("received") +
                     " FROM deliveries ORDER BY seq LIMIT 1), pg_total_relation_size('deliveries') + "
                     "pg_total_relation_size('refused') FROM deliveries");
      e.oldest_seq = range.int64(0, 0);
      e.newest_seq = range.int64(0, 1);
      if (!range.is_null(0, 2)) {
        e.oldest_received = util::parse_rfc3339_utc(range.text(0, 2));
      }
      e.file_bytes = static_cast<std::uint64_t>(range.int64(0, 3));
      e.engine = "PostgreSQL " + m_db->server_version();
      const auto meta =
          m_db->exec("SELECT key, value FROM meta WHERE key IN ('pruned_below', 'pruned_at', 'retention')");
      for (int i = 0; i < meta.rows(); ++i) {
        const std::string key = meta.text(i, 0);
        if (key == "pruned_below") {
          e.pruned_below = meta.int64(i, 1);
        } else if (key == "pruned_at") {
          e.pruned_at = meta.text(i, 1);
        } else if (key == "retention") {
          e.retention = meta.text(i, 1);
        }
      }
      return e;
    });
  }

  std::optional<std::int64_t> upstream_cursor(const std::string& upstream) override
  {
    return guarded([&]() -> std::optional<std::int64_t> {
      const auto rows = m_db->exec("SELECT value FROM meta WHERE key = 'upstream ' || $1", {upstream});
      return rows.rows() == 0 ? std::nullopt : std::optional(rows.int64(0, 0));
    });
  }

private:
  std::optional<Record> one(const std::string& sql, pg::Param key)
  {
    const auto rows = m_db->exec(sql, {key});
    return rows.rows() == 0 ? std::nullopt : std::optional(read_columns(rows, 0, deliveries));
  }

  std::string m_uri;
  std::unique_ptr<pg::Connection> m_db;
};

} // namespace

std::unique_ptr<Reader> open_reader(const std::string& uri)
{
  return std::make_unique<PgReader>(uri, connect(uri));
}

} // namespace acx::journal::in_postgres
