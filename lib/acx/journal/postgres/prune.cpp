// Retention on PostgreSQL: the SQLite pruner's rules (a prefix of the journal goes, never an event a consumer has not
// handed over), in batches. A size is the rows' own bytes: PostgreSQL reuses the space of deleted rows for new ones
// (autovacuum) rather than giving it back to the file system, so the tables' files do not shrink.
#include <fmt/format.h>

#include "acx/journal/postgres/engine.hpp"
#include "acx/journal/postgres/schema.hpp"

namespace acx::journal::in_postgres {

namespace {

constexpr std::int64_t k_batch = 5'000; // deliveries deleted per transaction

class PgPruner final : public Pruner {
public:
  PgPruner(std::string uri, std::unique_ptr<pg::Connection> db) : m_uri(std::move(uri)), m_db(std::move(db)) {}

  Pruned prune(const Retention& retention, bool dry_run, const std::string& described) override
  {
    try {
      Pruned out;
      out.shrinks = false;
      out.bytes_before = used_bytes();
      const auto range = m_db->exec("SELECT coalesce(min(seq), 1), coalesce(max(seq), 0), count(*) FROM deliveries");
      const std::int64_t first = range.int64(0, 0), last = range.int64(0, 1), rows = range.int64(0, 2);
      std::int64_t cut = cutoff(retention, first, last, rows, out.bytes_before);
      const auto hold = m_db->exec("SELECT name, watermark FROM consumers ORDER BY watermark, name LIMIT 1");
      if (hold.rows() == 1 && cut > hold.int64(0, 1) + 1) {
        const std::int64_t held = std::max(hold.int64(0, 1) + 1, first);
        out.kept_back = count_between(held, cut);
        out.kept_for = hold.text(0, 0);
        cut = held;
      }
      out.deliveries = count_between(first, cut);
      out.refused = retention.since ? m_db->exec("SELECT count(*) FROM refused WHERE received < $1",
                                                 {util::format_rfc3339(*retention.since)})
                                          .int64(0, 0)
                                    : 0;
      if (!dry_run) {
        remove(first, cut, retention);
        remember(cut, described);
      }
      out.below = std::max(pruned_below(), dry_run ? cut : 0);
      out.bytes_after = dry_run ? out.bytes_before : used_bytes();
      return out;
    } catch (const pg::PgError& e) {
      m_db->rollback_quietly();
      throw_error(m_uri, e);
    }
  }

private:
  // The rows' own bytes (what retention by size counts here).
  std::uint64_t used_bytes()
  {
    return static_cast<std::uint64_t>(
        m_db->exec("SELECT coalesce(sum(pg_column_size(d.*)), 0) FROM deliveries d").int64(0, 0));
  }

  std::int64_t count_between(std::int64_t from, std::int64_t to)
  {
    return m_db->exec("SELECT count(*) FROM deliveries WHERE seq >= $1 AND seq < $2", {from, to}).int64(0, 0);
  }

  // The first sequence number retention keeps; the newest delivery always stays (it carries the numbering on).
  std::int64_t cutoff(const Retention& r, std::int64_t first, std::int64_t last, std::int64_t rows, std::uint64_t used)
  {
    std::int64_t cut = first;
    if (r.since) {
      const auto at =
          m_db->exec("SELECT min(seq) FROM deliveries WHERE received >= $1", {util::format_rfc3339(*r.since)});
      cut = std::max(cut, at.is_null(0, 0) ? last + 1 : at.int64(0, 0));
    }
    if (r.max_bytes && used > *r.max_bytes && rows > 0) {
      // The oldest go until what stays fits, at the journal's average size of a delivery.
      const double per_row = static_cast<double>(used) / static_cast<double>(rows);
      const auto excess = static_cast<std::int64_t>(static_cast<double>(used - *r.max_bytes) / per_row) + 1;
      const auto nth = m_db->exec("SELECT seq FROM deliveries ORDER BY seq OFFSET $1 LIMIT 1", {excess});
      cut = std::max(cut, nth.rows() == 1 ? nth.int64(0, 0) : last + 1);
    }
    return std::min(cut, last);
  }

  void remove(std::int64_t first, std::int64_t cut, const Retention& retention)
  {
    // Duplicates that stay but were stored as references to an original that goes keep their bytes.
    m_db->exec("UPDATE deliveries d SET body = o.body FROM deliveries o WHERE d.status = 'duplicate' AND d.seq >= $1 "
               "AND d.original > 0 AND d.original < $1 AND length(d.body) = 0 AND o.seq = d.original",
               {cut});
    for (std::int64_t from = first; from < cut; from += k_batch) {
      m_db->exec("DELETE FROM deliveries WHERE seq >= $1 AND seq < $2", {from, std::min(cut, from + k_batch)});
    }
    m_db->run("BEGIN");
    m_db->exec("DELETE FROM consumer_marks WHERE seq < $1", {cut});
    m_db->exec("DELETE FROM consumer_attempts WHERE seq < $1", {cut});
    if (retention.since) {
      m_db->exec("DELETE FROM refused WHERE received < $1", {util::format_rfc3339(*retention.since)});
    }
    m_db->run("COMMIT");
  }

  void remember(std::int64_t cut, const std::string& described)
  {
    const char* put =
        "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    if (cut > pruned_below()) {
      m_db->exec(put, {"pruned_below", std::to_string(cut)});
    }
    m_db->exec(put, {"pruned_at", util::format_rfc3339(util::now())});
    if (!described.empty()) {
      m_db->exec(put, {"retention", described});
    }
  }

  std::int64_t pruned_below()
  {
    const auto rows = m_db->exec("SELECT value FROM meta WHERE key = 'pruned_below'");
    return rows.rows() == 0 ? 0 : rows.int64(0, 0);
  }

  std::string m_uri;
  std::unique_ptr<pg::Connection> m_db;
};

} // namespace

std::unique_ptr<Pruner> open_pruner(const std::string& uri)
{
  return std::make_unique<PgPruner>(uri, connect(uri, "SET synchronous_commit = off"));
}

} // namespace acx::journal::in_postgres
