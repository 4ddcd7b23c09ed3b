// The journal's writer on PostgreSQL: the same group commit as SQLite's (GroupWriter), one transaction per group.
// Several listeners append to one database at once: an eventId is accepted once whichever listener gets it first (the
// partial unique index), the others store a duplicate that points at it; each group takes an advisory lock so that
// sequence numbers commit in their order (readers follow "after #N" and never miss one committed late).
#include <atomic>
#include <cstdlib>
#include <fmt/format.h>
#include <thread>

#include "acx/journal/group_writer.hpp"
#include "acx/journal/postgres/engine.hpp"
#include "acx/journal/postgres/schema.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/thread.hpp"

namespace acx::journal::in_postgres {

namespace {

constexpr int k_conflict_tries = 5; // a deadlock or serialization failure: the group is tried again, whole

class PgWriter final : public detail::GroupWriter {
public:
  PgWriter(const std::string& uri, WriterOptions options, std::unique_ptr<pg::Connection> db)
      : GroupWriter(options, 0, true), m_uri(uri), m_place(place_of(uri)), m_db(std::move(db))
  {
    try {
      set_committed(m_db->exec("SELECT coalesce(max(seq), 0) FROM deliveries").int64(0, 0));
      m_version = m_db->server_version();
      // Proves the journal writable now, not at the first delivery.
      m_db->exec("INSERT INTO meta(key, value) VALUES ('opened', now()::text) ON CONFLICT (key) DO UPDATE SET "
                 "value = excluded.value");
    } catch (const pg::PgError& e) {
      throw_error(uri, e);
    }
    start();
    m_watcher = util::Thread("acx-journal-watch", [this](std::stop_token stop) { watch(stop); });
  }

  ~PgWriter() override
  {
    finish();
    m_watcher.request_stop();
    m_watcher.join();
  }

  std::int64_t text_indexed() const override { return committed_seq(); } // searches scan: nothing lags

  std::string engine() const override { return "PostgreSQL " + m_version; }

  // The last commit's failure, or the watcher's: a database that went away is said before a delivery finds out.
  Failure failure() const override
  {
    auto failed = GroupWriter::failure();
    if (!failed) {
      std::lock_guard lock(m_mutex);
      if (!m_unreachable.empty()) {
        failed = {Fault::unreachable, m_unreachable};
      }
    }
    return failed;
  }

private:
  // Follows the other listeners' commits (each group's transaction notifies its newest sequence number), so that
  // committed_seq() and wait_beyond() are the journal's, not only this listener's. A connection of its own, made again
  // when the database comes back.
  void watch(std::stop_token stop)
  {
    std::unique_ptr<pg::Connection> db;
    while (!stop.stop_requested()) {
      try {
        if (!db) {
          db = std::make_unique<pg::Connection>(m_place.uri, std::chrono::seconds(5), m_place.search_path());
          db->run(fmt::format("LISTEN \"{}\"", m_place.channel()));
          committed_elsewhere(db->exec("SELECT coalesce(max(seq), 0) FROM deliveries").int64(0, 0));
        }
        // A commit's NOTIFY, a broken connection or the stop ends the wait; a quiet minute goes round once.
        for (const auto& payload : db->notifications(stop, std::chrono::minutes(1))) {
          committed_elsewhere(std::strtoll(payload.c_str(), nullptr, 10));
        }
        std::lock_guard lock(m_mutex);
        m_unreachable.clear();
      } catch (const pg::PgError& e) {
        db.reset(); // the database is away: failure() says so; try again in a moment
        {
          std::lock_guard lock(m_mutex);
          m_unreachable = fmt::format("the database is unreachable ({})", e.message);
        }
        util::pause(stop, std::chrono::milliseconds(200));
      }
    }
  }

  void store(detail::Group& group, std::int64_t relayed) override
  {
    for (int attempt = 1;; ++attempt) {
      try {
        m_db->reconnect_if_broken();
        transaction(group, relayed);
        std::lock_guard lock(m_mutex);
        m_unreachable.clear(); // it is reachable: this commit says so before the watcher's connection is back
        return;
      } catch (const pg::PgError& e) {
        m_db->rollback_quietly();
        if (e.failure == pg::Failure::conflict && attempt < k_conflict_tries) {
          continue;
        }
        throw JournalError(fault_of(e), e.failure == pg::Failure::connection
                                            ? fmt::format("the database is unreachable ({})", e.message)
                                            : e.message);
      }
    }
  }

  // The group's transaction in one round trip (pipelined): the lock, an insert per record, the notification, the
  // upstream's cursor, the commit. The lock is held while the server runs them, never across a round trip.
  void transaction(detail::Group& group, std::int64_t relayed)
  {
    std::vector<pg::Statement> statements;
    statements.push_back({"BEGIN", {}});
    statements.push_back({"SELECT pg_advisory_xact_lock($1)", {k_commit_lock}});
    for (auto& p : group) {
      statements.push_back(insert(*p));
    }
    if (refused_added(group)) {
      // The newest refusals that fit both bounds stay.
      statements.push_back(
          {"DELETE FROM refused WHERE seq <= (SELECT max(seq) FROM refused) - $1 OR seq < (SELECT "
           "coalesce(min(seq), 0) FROM (SELECT seq, sum(length(body) + length(headers)) OVER (ORDER "
           "BY seq DESC) AS kept FROM refused) k WHERE kept <= $2)",
           {static_cast<std::int64_t>(m_options.max_refused), static_cast<std::int64_t>(m_options.max_refused_bytes)}});
    }
    // Delivered at the commit, to every listener's watcher: the journal's newest sequence number.
    statements.push_back(
        {"SELECT pg_notify($1, (SELECT coalesce(max(seq), 0) FROM deliveries)::text)", {m_place.channel()}});
    if (relayed >= 0) {
      statements.push_back({"INSERT INTO meta(key, value) VALUES ('upstream ' || $1, $2) ON CONFLICT (key) DO UPDATE "
                            "SET value = excluded.value",
                            {m_options.upstream, relayed}});
    }
    statements.push_back({"COMMIT", {}});
    const auto results = m_db->pipeline(statements);
    for (std::size_t i = 0; i < group.size(); ++i) {
      auto& p = *group[i];
      const auto& rows = results[i + 2];
      if (rows.rows() != 1) {
        throw std::runtime_error(fmt::format("the journal stored nothing for eventId {}", p.record.event_id));
      }
      const bool refused = p.record.status == Status::refused;
      const Status status = refused                         ? Status::refused
                            : rows.text(0, 1) == "accepted" ? Status::accepted
                                                            : Status::duplicate;
      p.record.status = status;
      p.result = {true, status, rows.int64(0, 0), {}};
    }
  }

  // Whether refusals in this group make it time to bound the refused table (every 256 of them).
  bool refused_added(const detail::Group& group)
  {
    for (const auto& p : group) {
      m_refused_since_prune += p->record.status == Status::refused ? 1 : 0;
    }
    if (m_refused_since_prune < 256) {
      return false;
    }
    m_refused_since_prune = 0;
    return true;
  }

  // A record's insert. An eventId accepted before, here or by another listener (the commit lock orders them), is
  // stored as a duplicate that points at its original: with no body when the bytes are the same, else with its own.
  pg::Statement insert(detail::Pending& p)
  {
    Record& r = p.record;
    if (r.status == Status::refused) {
      // A prefix of the body, its size and its hash: enough to diagnose, never a way to fill the disk.
      r.body_bytes = r.body.size();
      r.body_sha256 = util::hex_encode(util::sha256(r.body));
      r.body.resize(std::min(r.body.size(), m_options.refused_prefix));
      static const std::string sql = fmt::format("INSERT INTO refused({}) VALUES ({}) RETURNING seq, 'refused'",
                                                 column_names(refused), placeholders(refused));
      return {sql, column_params(refused, r, p.row)};
    }
    p.row.status = "accepted";
    auto params = column_params(deliveries, r, p.row);
    params.push_back(reconciled(r) ? std::string() : change_id(r.topic, r.subject, r.event_time));
    return {duplicate_aware_insert(), std::move(params)};
  }

  // The insert of an accepted delivery, made from the column description: as it is, else (its eventId was accepted
  // before) as a duplicate that points at its original, with no body when the bytes are the same.
  static const std::string& duplicate_aware_insert()
  {
    static const std::string sql = [] {
      const auto& cols = columns(deliveries);
      auto param = [](std::string_view name) { return fmt::format("${}", column_index(deliveries, name) + 1); };
      const std::string body = param("body");
      std::string fresh, duplicate;
      for (std::size_t i = 0; i < cols.size(); ++i) {
        const std::string_view name = cols[i]->name;
        fresh += fmt::format("{}{}{}", i > 0 ? ", " : "", param(name), cast(*cols[i]));
        duplicate += i > 0 ? ", " : "";
        duplicate += name == "body"     ? fmt::format("CASE WHEN orig.same THEN ''::bytea ELSE {} END", body)
                     : name == "status" ? std::string("'duplicate'")
                     : name == "detail" ? std::string("'duplicate of #' || orig.seq || CASE WHEN NOT orig.own THEN "
                                                      "' (its change was reconciled)' WHEN orig.same THEN '' ELSE "
                                                      "' (the body differs)' END")
                                        : fmt::format("{}{}", param(name), cast(*cols[i]));
      }
      // Its original: the accepted record of its eventId, or the rebuilt event (acx reconcile --repair) of the change
      // it tells (eventId ${change}). Read under the commit lock, so no other listener inserts in between.
      return fmt::format(
          "WITH orig AS (SELECT o.seq, o.body = {2} AS same, o.event_id = {3} AS own FROM deliveries o WHERE o.status "
          "= 'accepted' AND (o.event_id = {3} OR (o.event_id = ${5} AND o.remote = '{6}')) ORDER BY 3 DESC LIMIT 1), "
          "ins AS (INSERT INTO deliveries({0}) SELECT {1} WHERE NOT EXISTS (SELECT 1 FROM orig) ON CONFLICT "
          "(event_id) WHERE status = 'accepted' DO NOTHING RETURNING seq), dup AS (INSERT INTO deliveries({0}, "
          "original) SELECT {4}, orig.seq FROM orig RETURNING seq) SELECT seq, 'accepted' FROM ins UNION ALL SELECT "
          "seq, 'duplicate' FROM dup",
          column_names(deliveries), fresh, body, param("event_id"), duplicate, cols.size() + 1, k_reconciled_remote);
    }();
    return sql;
  }

  static std::string cast(const detail::Column& c)
  {
    // Every type said: an INSERT ... SELECT does not infer its parameters' types from the columns as VALUES does.
    switch (c.type) {
    case detail::Type::time:
      return "::timestamptz";
    case detail::Type::json:
      return "::jsonb";
    case detail::Type::bytes:
      return "::bytea";
    case detail::Type::integer:
      return "::bigint";
    case detail::Type::text:
      break;
    }
    return "::text";
  }

  std::string m_uri;
  Place m_place;
  std::unique_ptr<pg::Connection> m_db;
  std::size_t m_refused_since_prune = 0;
  std::string m_version;
  std::string m_unreachable; // the watcher's, under m_mutex
  util::Thread m_watcher;    // last: it starts once everything above is ready
};

} // namespace

std::unique_ptr<Writer> open_writer(const std::string& uri, WriterOptions options)
{
  // --durability: disk waits for each commit's WAL flush (synchronous_commit on); process commits without waiting,
  // so that a crash of acx loses nothing and a crash of the database server or its machine may lose the last moment.
  const char* setup =
      options.durability == Durability::disk ? "SET synchronous_commit = on" : "SET synchronous_commit = off";
  return std::make_unique<PgWriter>(uri, options, connect(uri, setup));
}

} // namespace acx::journal::in_postgres
