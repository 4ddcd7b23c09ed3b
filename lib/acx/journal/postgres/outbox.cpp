// The outbox on PostgreSQL: the SQLite outbox's tables and meanings, and a lease per consumer, so that the listeners
// sharing a database hand each consumer's events over one at a time: the holder renews its lease while it works; when
// it dies, the lease runs out and another listener takes over from the consumer's watermark and marks.
#include <fmt/format.h>

#include "acx/journal/postgres/engine.hpp"
#include "acx/journal/postgres/schema.hpp"

namespace acx::journal::in_postgres {

namespace {

class PgOutbox final : public Outbox {
public:
  PgOutbox(std::string uri, std::unique_ptr<pg::Connection> db) : m_uri(std::move(uri)), m_db(std::move(db)) {}

  template <class F> auto guarded(F f)
  {
    std::lock_guard lock(m_mutex);
    try {
      m_db->reconnect_if_broken();
      return f();
    } catch (const pg::PgError& e) {
      throw_error(m_uri, e);
    }
  }
  bool shared() const override { return true; }

  std::int64_t waiting(const std::string& name) override
  {
    return guarded([&] {
      return m_db
          ->exec("SELECT count(*) FROM deliveries d, consumers c WHERE c.name = $1 AND d.seq > c.watermark AND "
                 "d.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM consumer_marks m WHERE m.consumer = $1 AND "
                 "m.seq = d.seq AND m.state IN ('delivered', 'dead'))",
                 {name})
          .int64(0, 0);
    });
  }

  bool lease(const std::string& name, const std::string& holder, std::chrono::milliseconds ttl) override
  {
    return guarded([&] {
      const auto rows = m_db->exec("UPDATE consumers SET holder = $2, lease_until = now() + $3 * interval '1 ms' "
                                   "WHERE name = $1 AND (holder = $2 OR holder = '' OR lease_until IS NULL OR "
                                   "lease_until < now()) RETURNING name",
                                   {name, holder, static_cast<std::int64_t>(ttl.count())});
      return rows.rows() == 1;
    });
  }

  void release(const std::string& name, const std::string& holder) override
  {
    guarded([&] {
      m_db->exec("UPDATE consumers SET holder = '', lease_until = NULL WHERE name = $1 AND holder = $2",
                 {name, holder});
      return 0;
    });
  }

  std::int64_t attach(const std::string& name, const std::string& target, const std::string& topics, std::int64_t start,
                      bool reset) override
  {
    return guarded([&] {
      m_db->run("BEGIN");
      try {
        // A consumer attached by two listeners at once is created once: the row lock orders them.
        m_db->exec("INSERT INTO consumers(name, target, topics, watermark) VALUES ($1, $2, $3, $4) ON CONFLICT "
                   "(name) DO NOTHING",
                   {name, target, topics, start});
        const auto row = m_db->exec("SELECT watermark FROM consumers WHERE name = $1 FOR UPDATE", {name});
        std::int64_t watermark = row.int64(0, 0);
        if (reset) {
          watermark = start;
          m_db->exec("DELETE FROM consumer_marks WHERE consumer = $1 AND seq > $2", {name, start});
        }
        m_db->exec("UPDATE consumers SET target = $2, topics = $3, watermark = $4 WHERE name = $1",
                   {name, target, topics, watermark});
        m_db->run("COMMIT");
        return watermark;
      } catch (...) {
        m_db->rollback_quietly();
        throw;
      }
    });
  }

  std::set<std::int64_t> done_after(const std::string& name, std::int64_t after) override
  {
    return guarded([&] {
      const auto rows = m_db->exec("SELECT seq FROM consumer_marks WHERE consumer = $1 AND seq > $2 AND state IN "
                                   "('delivered', 'dead')",
                                   {name, after});
      std::set<std::int64_t> out;
      for (int i = 0; i < rows.rows(); ++i) {
        out.insert(rows.int64(i, 0));
      }
      return out;
    });
  }

  std::map<std::int64_t, Tried> tried_after(const std::string& name, std::int64_t after) override
  {
    return guarded([&] {
      const auto rows = m_db->exec(
          "SELECT a.seq, max(a.attempt), " + rfc3339("max(a.at)") +
              " FROM consumer_attempts a WHERE a.seq > $2 AND a.consumer = $1 AND "
              "NOT EXISTS (SELECT 1 FROM consumer_marks m WHERE m.consumer = $1 AND m.seq = a.seq AND m.state IN "
              "('delivered', 'dead')) GROUP BY a.seq",
          {name, after});
      std::map<std::int64_t, Tried> out;
      for (int i = 0; i < rows.rows(); ++i) {
        out[rows.int64(i, 0)] = {static_cast<int>(rows.int64(i, 1)),
                                 util::parse_rfc3339_utc(rows.text(i, 2)).value_or(util::Instant{})};
      }
      return out;
    });
  }

  void record(const HandOver& h) override { m_queue.record(h); }

  void advance(const std::string& name, std::int64_t watermark) override
  {
    guarded([&] {
      m_db->exec("UPDATE consumers SET watermark = $2 WHERE name = $1 AND watermark < $2", {name, watermark});
      return 0;
    });
  }

  std::vector<std::int64_t> take_retries(const std::string& name) override
  {
    return guarded([&] {
      const auto rows = m_db->exec("UPDATE consumer_marks SET state = 'pending' WHERE consumer = $1 AND state = "
                                   "'retry' RETURNING seq",
                                   {name});
      std::vector<std::int64_t> out;
      for (int i = 0; i < rows.rows(); ++i) {
        out.push_back(rows.int64(i, 0));
      }
      std::sort(out.begin(), out.end());
      return out;
    });
  }

  std::vector<ConsumerInfo> consumers() override
  {
    return guarded([&] {
      const auto rows = m_db->exec("SELECT name, target, topics, watermark, CASE WHEN lease_until > now() THEN "
                                   "holder ELSE '' END, circuit FROM consumers ORDER BY name");
      std::vector<ConsumerInfo> out;
      for (int i = 0; i < rows.rows(); ++i) {
        out.push_back(
            {rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.int64(i, 3), rows.text(i, 4), rows.text(i, 5)});
      }
      return out;
    });
  }

  void set_circuit(const std::string& name, const std::string& since) override
  {
    guarded([&] { m_db->exec("UPDATE consumers SET circuit = $2 WHERE name = $1", {name, since}); });
  }

  std::vector<HandOver> attempts(std::int64_t seq) override
  {
    return guarded([&] {
      const auto rows = m_db->exec("SELECT consumer, attempt, " + rfc3339("at") +
                                       ", status, ms, answer, state FROM consumer_attempts "
                                       "WHERE seq = $1 ORDER BY id",
                                   {seq});
      std::vector<HandOver> out;
      for (int i = 0; i < rows.rows(); ++i) {
        HandOver h;
        h.consumer = rows.text(i, 0);
        h.seq = seq;
        h.attempt = static_cast<int>(rows.int64(i, 1));
        h.at = util::parse_rfc3339_utc(rows.text(i, 2)).value_or(util::Instant{});
        h.status = static_cast<int>(rows.int64(i, 3));
        h.ms = static_cast<double>(rows.int64(i, 4)) / 1000.0;
        h.answer = rows.text(i, 5);
        h.state = parse_handed(rows.text(i, 6)).value_or(Handed::pending);
        out.push_back(std::move(h));
      }
      return out;
    });
  }

  std::vector<std::int64_t> marked(const std::string& name, Handed state) override
  {
    return guarded([&] {
      const auto rows = m_db->exec("SELECT seq FROM consumer_marks WHERE consumer = $1 AND state = $2 ORDER BY seq",
                                   {name, handed_name(state)});
      std::vector<std::int64_t> out;
      for (int i = 0; i < rows.rows(); ++i) {
        out.push_back(rows.int64(i, 0));
      }
      return out;
    });
  }

  std::size_t requeue(const std::string& name, std::optional<std::int64_t> seq, bool waiting) override
  {
    return guarded([&]() -> std::size_t {
      if (seq) {
        m_db->exec("INSERT INTO consumer_marks(consumer, seq, state) VALUES ($1, $2, 'retry') ON CONFLICT "
                   "(consumer, seq) DO UPDATE SET state = 'retry'",
                   {name, *seq});
        return 1;
      }
      return static_cast<std::size_t>(
          m_db->exec(waiting ? "UPDATE consumer_marks SET state = 'retry' WHERE consumer = $1 AND state IN ('dead', "
                               "'pending')"
                             : "UPDATE consumer_marks SET state = 'retry' WHERE consumer = $1 AND state = 'dead'",
                     {name})
              .affected());
    });
  }

private:
  void write(const std::vector<const HandOver*>& batch)
  {
    guarded([&] {
      m_db->run("BEGIN");
      try {
        for (const HandOver* h : batch) {
          const std::string at = util::format_rfc3339(h->at);
          m_db->exec("INSERT INTO consumer_attempts(consumer, seq, attempt, at, status, ms, answer, state) VALUES "
                     "($1, $2, $3, $4, $5, $6, $7, $8)",
                     {h->consumer, h->seq, std::int64_t{h->attempt}, at, std::int64_t{h->status},
                      static_cast<std::int64_t>(h->ms * 1000), h->answer, handed_name(h->state)});
          m_db->exec("INSERT INTO consumer_marks(consumer, seq, state) VALUES ($1, $2, $3) ON CONFLICT (consumer, seq) "
                     "DO UPDATE SET state = excluded.state",
                     {h->consumer, h->seq, handed_name(h->state)});
        }
        m_db->run("COMMIT");
      } catch (...) {
        m_db->rollback_quietly();
        throw;
      }
      return 0;
    });
  }

  std::string m_uri;
  std::unique_ptr<pg::Connection> m_db;
  std::mutex m_mutex;                                                                           // the connection
  HandOverCommits m_queue{[this](const std::vector<const HandOver*>& batch) { write(batch); }}; // last: its thread
};

} // namespace

std::unique_ptr<Outbox> open_outbox(const std::string& uri)
{
  // Marks are committed without waiting for the WAL flush: one lost to a crash is handed over again (at least once).
  return std::make_unique<PgOutbox>(uri, connect(uri, "SET synchronous_commit = off"));
}

} // namespace acx::journal::in_postgres
