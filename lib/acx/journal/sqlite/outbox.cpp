#include "acx/journal/outbox.hpp"
#include "acx/journal/sqlite/engine.hpp"

#include <deque>
#include <filesystem>
#include <fmt/format.h>

#include "acx/journal/sqlite/schema.hpp"
#include "acx/util/error.hpp"

namespace acx::journal::in_sqlite {

namespace {

using sqlite::Database;
using sqlite::SqliteError;
using sqlite::Statement;

} // namespace

namespace {

class SqliteOutbox final : public Outbox {
public:
  SqliteOutbox(std::string p, Database d) : path(std::move(p)), db(std::move(d)) {}

  bool lease(const std::string&, const std::string&, std::chrono::milliseconds) override { return true; }
  void release(const std::string&, const std::string&) override {}
  bool shared() const override { return false; }

  template <class F> auto guarded(F f)
  {
    std::lock_guard lock(mutex);
    try {
      return f();
    } catch (const SqliteError& e) {
      throw_journal_error(path, e);
    }
  }

  std::int64_t waiting(const std::string& name) override
  {
    return guarded([&] {
      Statement st(db, "SELECT count(*) FROM deliveries d, consumers c WHERE c.name = ?1 AND d.seq > c.watermark AND "
                       "d.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM consumer_marks m WHERE m.consumer = ?1 "
                       "AND m.seq = d.seq AND m.state IN ('delivered', 'dead'))");
      st.bind(1, name);
      st.step();
      return st.int64(0);
    });
  }
  void write(const std::vector<const HandOver*>& batch)
  {
    std::lock_guard lock(mutex);
    try {
      db.exec("BEGIN IMMEDIATE");
      Statement attempt(db, "INSERT INTO consumer_attempts(consumer, seq, attempt, at, status, ms, answer, state) "
                            "VALUES(?,?,?,?,?,?,?,?)");
      Statement mark(db, "INSERT OR REPLACE INTO consumer_marks(consumer, seq, state) VALUES(?,?,?)");
      for (const HandOver* h : batch) {
        const std::string at = util::format_rfc3339(h->at);
        attempt.bind(1, h->consumer)
            .bind(2, h->seq)
            .bind(3, static_cast<std::int64_t>(h->attempt))
            .bind(4, at)
            .bind(5, static_cast<std::int64_t>(h->status))
            .bind(6, static_cast<std::int64_t>(h->ms * 1000)) // microseconds
            .bind(7, h->answer)
            .bind(8, handed_name(h->state))
            .run();
        mark.bind(1, h->consumer).bind(2, h->seq).bind(3, handed_name(h->state)).run();
      }
      db.exec("COMMIT");
    } catch (...) {
      db.rollback_quietly();
      throw;
    }
  }

  std::int64_t attach(const std::string& name, const std::string& target, const std::string& topics, std::int64_t start,
                      bool reset) override
  {
    return guarded([&] {
      db.exec("BEGIN IMMEDIATE");
      try {
        Statement get(db, "SELECT watermark FROM consumers WHERE name = ?");
        get.bind(1, name);
        std::int64_t watermark = start;
        if (get.step() && !reset) {
          watermark = get.int64(0);
        } else {
          Statement drop(db, "DELETE FROM consumer_marks WHERE consumer = ? AND seq > ?");
          drop.bind(1, name).bind(2, start).run();
        }
        Statement put(db, "INSERT OR REPLACE INTO consumers(name, target, topics, watermark) VALUES(?,?,?,?)");
        put.bind(1, name).bind(2, target).bind(3, topics).bind(4, watermark).run();
        db.exec("COMMIT");
        return watermark;
      } catch (...) {
        db.rollback_quietly();
        throw;
      }
    });
  }

  std::set<std::int64_t> done_after(const std::string& name, std::int64_t after) override
  {
    return guarded([&] {
      Statement st(db, "SELECT seq FROM consumer_marks WHERE consumer = ? AND seq > ? AND state IN "
                       "('delivered', 'dead')");
      st.bind(1, name).bind(2, after);
      std::set<std::int64_t> out;
      while (st.step()) {
        out.insert(st.int64(0));
      }
      return out;
    });
  }

  std::map<std::int64_t, Tried> tried_after(const std::string& name, std::int64_t after) override
  {
    return guarded([&] {
      Statement st(db, "SELECT a.seq, max(a.attempt), max(a.at) FROM consumer_attempts a WHERE a.seq > ?2 AND "
                       "a.consumer = ?1 AND NOT EXISTS (SELECT 1 FROM consumer_marks m WHERE m.consumer = ?1 "
                       "AND m.seq = a.seq AND m.state IN ('delivered', 'dead')) GROUP BY a.seq");
      st.bind(1, name).bind(2, after);
      std::map<std::int64_t, Tried> out;
      while (st.step()) {
        out[st.int64(0)] = {static_cast<int>(st.int64(1)),
                            util::parse_rfc3339_utc(st.text(2)).value_or(util::Instant{})};
      }
      return out;
    });
  }

  void record(const HandOver& h) override { queue.record(h); }

  void advance(const std::string& name, std::int64_t watermark) override
  {
    guarded([&] {
      Statement st(db, "UPDATE consumers SET watermark = ? WHERE name = ? AND watermark < ?");
      st.bind(1, watermark).bind(2, name).bind(3, watermark).run();
      return 0;
    });
  }

  std::vector<std::int64_t> take_retries(const std::string& name) override
  {
    return guarded([&] {
      std::vector<std::int64_t> out;
      Statement st(db, "SELECT seq FROM consumer_marks WHERE consumer = ? AND state = 'retry' ORDER BY seq");
      st.bind(1, name);
      while (st.step()) {
        out.push_back(st.int64(0));
      }
      if (!out.empty()) {
        Statement mark(db, "UPDATE consumer_marks SET state = 'pending' WHERE consumer = ? AND state = 'retry'");
        mark.bind(1, name).run();
      }
      return out;
    });
  }

  std::vector<ConsumerInfo> consumers() override
  {
    return guarded([&] {
      Statement st(db, "SELECT name, target, topics, watermark, circuit FROM consumers ORDER BY name");
      std::vector<ConsumerInfo> out;
      while (st.step()) {
        out.push_back({st.text(0), st.text(1), st.text(2), st.int64(3), {}, st.text(4)});
      }
      return out;
    });
  }

  void set_circuit(const std::string& name, const std::string& since) override
  {
    guarded([&] {
      Statement st(db, "UPDATE consumers SET circuit = ? WHERE name = ?");
      st.bind(1, since).bind(2, name).run();
    });
  }

  std::vector<HandOver> attempts(std::int64_t seq) override
  {
    return guarded([&] {
      Statement st(db, "SELECT consumer, attempt, at, status, ms, answer, state FROM consumer_attempts "
                       "WHERE seq = ? ORDER BY rowid");
      st.bind(1, seq);
      std::vector<HandOver> out;
      while (st.step()) {
        HandOver h;
        h.consumer = st.text(0);
        h.seq = seq;
        h.attempt = static_cast<int>(st.int64(1));
        h.at = util::parse_rfc3339_utc(st.text(2)).value_or(util::Instant{});
        h.status = static_cast<int>(st.int64(3));
        h.ms = static_cast<double>(st.int64(4)) / 1000.0;
        h.answer = st.text(5);
        h.state = parse_handed(st.text(6)).value_or(Handed::pending);
        out.push_back(std::move(h));
      }
      return out;
    });
  }

  std::vector<std::int64_t> marked(const std::string& name, Handed state) override
  {
    return guarded([&] {
      Statement st(db, "SELECT seq FROM consumer_marks WHERE consumer = ? AND state = ? ORDER BY seq");
      st.bind(1, name).bind(2, handed_name(state));
      std::vector<std::int64_t> out;
      while (st.step()) {
        out.push_back(st.int64(0));
      }
      return out;
    });
  }

  std::size_t requeue(const std::string& name, std::optional<std::int64_t> seq, bool waiting) override
  {
    return guarded([&]() -> std::size_t {
      if (seq) {
        Statement st(db, "INSERT OR REPLACE INTO consumer_marks(consumer, seq, state) VALUES(?, ?, 'retry')");
        st.bind(1, name).bind(2, *seq).run();
        return 1;
      }
      Statement st(db, waiting ? "UPDATE consumer_marks SET state = 'retry' WHERE consumer = ? AND state IN ('dead', "
                                 "'pending')"
                               : "UPDATE consumer_marks SET state = 'retry' WHERE consumer = ? AND state = 'dead'");
      st.bind(1, name).run();
      return static_cast<std::size_t>(db.changes());
    });
  }

  std::string path;
  Database db;
  std::mutex mutex;                                                                           // the connection
  HandOverCommits queue{[this](const std::vector<const HandOver*>& batch) { write(batch); }}; // last: its thread
};

} // namespace

std::unique_ptr<Outbox> open_outbox(const std::string& path)
{
  return std::make_unique<SqliteOutbox>(path, open_beside_writer(path));
}

} // namespace acx::journal::in_sqlite
