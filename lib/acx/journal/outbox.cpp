#include "acx/journal/outbox.hpp"

#include <deque>
#include <filesystem>
#include <fmt/format.h>

#include "acx/journal/schema.hpp"
#include "acx/util/error.hpp"

namespace acx::journal {

namespace {

using detail::Database;
using detail::SqliteError;
using detail::Statement;

} // namespace

std::string_view handed_name(Handed h)
{
  switch (h) {
  case Handed::pending:
    return "pending";
  case Handed::delivered:
    return "delivered";
  case Handed::dead:
    return "dead";
  case Handed::retry:
    return "retry";
  }
  return "pending";
}

std::optional<Handed> parse_handed(std::string_view name)
{
  for (const Handed h : {Handed::pending, Handed::delivered, Handed::dead, Handed::retry}) {
    if (handed_name(h) == name) {
      return h;
    }
  }
  return std::nullopt;
}

struct Outbox::Impl {
  std::string path;
  Database db;
  std::mutex mutex; // the connection
  // Group commit: records wait in `queue`; the first waiting thread commits everything queued.
  std::mutex queue_mutex;
  std::condition_variable committed;
  std::deque<std::pair<const HandOver*, std::uint64_t>> queue;
  std::uint64_t next_ticket = 0;
  std::uint64_t done_ticket = 0; // every ticket below is committed
  bool committing = false;
  std::exception_ptr failed; // the last commit's failure, for the records in it

  Impl(std::string p, Database d) : path(std::move(p)), db(std::move(d)) {}

  template <class F> auto guarded(F f)
  {
    std::lock_guard lock(mutex);
    try {
      return f();
    } catch (const SqliteError& e) {
      detail::throw_journal_error(path, e);
    }
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
};

Outbox::Outbox(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Outbox::~Outbox() = default;

std::unique_ptr<Outbox> Outbox::open(const std::string& path)
{
  return std::unique_ptr<Outbox>(new Outbox(std::make_unique<Impl>(path, detail::open_beside_writer(path))));
}

std::int64_t Outbox::attach(const std::string& name, const std::string& target, const std::string& topics,
                            std::int64_t start, bool reset)
{
  return m_impl->guarded([&] {
    auto& db = m_impl->db;
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

std::set<std::int64_t> Outbox::done_after(const std::string& name, std::int64_t after)
{
  return m_impl->guarded([&] {
    Statement st(m_impl->db, "SELECT seq FROM consumer_marks WHERE consumer = ? AND seq > ? AND state IN "
                             "('delivered', 'dead')");
    st.bind(1, name).bind(2, after);
    std::set<std::int64_t> out;
    while (st.step()) {
      out.insert(st.int64(0));
    }
    return out;
  });
}

std::map<std::int64_t, Tried> Outbox::tried_after(const std::string& name, std::int64_t after)
{
  return m_impl->guarded([&] {
    Statement st(m_impl->db, "SELECT a.seq, max(a.attempt), max(a.at) FROM consumer_attempts a WHERE a.seq > ?2 AND "
                             "a.consumer = ?1 AND NOT EXISTS (SELECT 1 FROM consumer_marks m WHERE m.consumer = ?1 "
                             "AND m.seq = a.seq AND m.state IN ('delivered', 'dead')) GROUP BY a.seq");
    st.bind(1, name).bind(2, after);
    std::map<std::int64_t, Tried> out;
    while (st.step()) {
      out[st.int64(0)] = {static_cast<int>(st.int64(1)), util::parse_rfc3339_utc(st.text(2)).value_or(util::Instant{})};
    }
    return out;
  });
}

void Outbox::record(const HandOver& h)
{
  auto& m = *m_impl;
  std::unique_lock lock(m.queue_mutex);
  const std::uint64_t ticket = m.next_ticket++;
  m.queue.emplace_back(&h, ticket);
  while (m.done_ticket <= ticket) {
    if (m.committing) {
      m.committed.wait(lock);
      continue;
    }
    // Leader: commit everything queued so far, this record included.
    m.committing = true;
    std::vector<const HandOver*> batch;
    std::uint64_t last = ticket;
    for (const auto& [record, t] : m.queue) {
      batch.push_back(record);
      last = t;
    }
    m.queue.clear();
    lock.unlock();
    std::exception_ptr failed;
    try {
      m.write(batch);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    m.failed = failed;
    m.done_ticket = last + 1;
    m.committing = false;
    m.committed.notify_all();
  }
  if (m.failed) {
    std::rethrow_exception(m.failed);
  }
}

void Outbox::advance(const std::string& name, std::int64_t watermark)
{
  m_impl->guarded([&] {
    Statement st(m_impl->db, "UPDATE consumers SET watermark = ? WHERE name = ? AND watermark < ?");
    st.bind(1, watermark).bind(2, name).bind(3, watermark).run();
    return 0;
  });
}

std::vector<std::int64_t> Outbox::take_retries(const std::string& name)
{
  return m_impl->guarded([&] {
    auto& db = m_impl->db;
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

std::vector<ConsumerInfo> Outbox::consumers()
{
  return m_impl->guarded([&] {
    Statement st(m_impl->db, "SELECT name, target, topics, watermark FROM consumers ORDER BY name");
    std::vector<ConsumerInfo> out;
    while (st.step()) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.int64(3)});
    }
    return out;
  });
}

std::optional<ConsumerInfo> Outbox::consumer(const std::string& name)
{
  for (auto& c : consumers()) {
    if (c.name == name) {
      return c;
    }
  }
  return std::nullopt;
}

std::vector<HandOver> Outbox::attempts(std::int64_t seq)
{
  return m_impl->guarded([&] {
    Statement st(m_impl->db, "SELECT consumer, attempt, at, status, ms, answer, state FROM consumer_attempts "
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

std::vector<std::int64_t> Outbox::marked(const std::string& name, Handed state)
{
  return m_impl->guarded([&] {
    Statement st(m_impl->db, "SELECT seq FROM consumer_marks WHERE consumer = ? AND state = ? ORDER BY seq");
    st.bind(1, name).bind(2, handed_name(state));
    std::vector<std::int64_t> out;
    while (st.step()) {
      out.push_back(st.int64(0));
    }
    return out;
  });
}

std::size_t Outbox::requeue(const std::string& name, std::optional<std::int64_t> seq)
{
  return m_impl->guarded([&]() -> std::size_t {
    auto& db = m_impl->db;
    if (seq) {
      Statement st(db, "INSERT OR REPLACE INTO consumer_marks(consumer, seq, state) VALUES(?, ?, 'retry')");
      st.bind(1, name).bind(2, *seq).run();
      return 1;
    }
    Statement st(db, "UPDATE consumer_marks SET state = 'retry' WHERE consumer = ? AND state = 'dead'");
    st.bind(1, name).run();
    return static_cast<std::size_t>(db.changes());
  });
}

} // namespace acx::journal
