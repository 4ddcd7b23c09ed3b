#pragma once

// What every journal writer does whatever it writes to: appends from any number of threads queue their records; one
// committer thread takes everything queued into one transaction (one fsync per group, not per record), then tells
// each appender its outcome, and keeps the newest committed records in memory for in-process followers. A backend
// (SQLite, PostgreSQL) gives the transaction.

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "acx/journal/columns.hpp"
#include "acx/journal/group_commit.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/thread.hpp"

namespace acx::journal::detail {

// A record waiting for its group's commit: the record, its row, and the outcome the backend fills in.
struct Pending {
  std::optional<std::int64_t> position; // nothing to store, only the upstream's cursor set to this (set_upstream)
  Record record;
  Row row;
  Appended result;
  std::function<void(Appended)> done;
};
using Group = std::vector<std::shared_ptr<Pending>>;

class GroupWriter : public Writer {
public:
  Appended append(Record record) override;
  void append_async(Record record, std::function<void(Appended)> done) override;
  Appended set_upstream(std::int64_t position) override;
  Failure failure() const override;
  std::int64_t committed_seq() const override;
  std::shared_ptr<void> on_commit(std::function<void()> news) const override;
  std::int64_t wait_beyond(std::int64_t seq, std::chrono::milliseconds timeout) const override;
  std::optional<std::vector<std::shared_ptr<const Record>>> recent_after(std::int64_t seq,
                                                                         std::size_t limit) const override;
  CommitStats stats() const override;
  void close() override;

protected:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `committed`: the newest sequence number already in the journal. `shared`: other writers (other listeners) append
  // to the same journal, so this one's commits are not all of them: followers read the journal itself, and a wait
  // for a commit ends at least every k_shared_poll.
  GroupWriter(WriterOptions options, std::int64_t committed, bool shared);
  // Starts the committer; the last thing a backend's constructor does.
  void start();
  // Commits what waits and stops the committer; the first thing a backend's destructor does.
  void finish();

  // The group's transaction: fills in each record's result (stored, status, seq) and moves the upstream's cursor to
  // `relayed` when it is 0 or more. Throws when the transaction failed (and is rolled back): the whole group fails.
  virtual void store(Group& group, std::int64_t relayed) = 0;
  // Work a backend does behind the write path while no append waits (SQLite's text index): when it is due next
  // (nullopt: none), and the work itself. Called on the committer thread, without the lock.
  virtual std::optional<TimePoint> idle_due(TimePoint /*last_group*/) { return std::nullopt; }
  virtual void idle_work() {}
  // After a group was answered (SQLite's checkpoint).
  virtual void after_group() {}
  // Wakes a waiter of wait_beyond (a backend's idle work moved something).
  void notify_waiters();
  // Sets the newest committed sequence number (a backend's constructor, before start()).
  void set_committed(std::int64_t seq);
  // Another writer of the same journal committed up to `seq` (PostgreSQL's notifications): waiters wake.
  void committed_elsewhere(std::int64_t seq);
  // The newest committed sequence number, m_mutex held.
  std::int64_t committed_locked() const { return m_committed_seq; }

  const WriterOptions m_options;
  mutable std::mutex m_mutex;

private:
  void commit(Group& group);
  void remember(Pending& p);
  // Whether a relayed record may be stored, given the first one a failed commit lost (the upstream's cursor must not
  // pass it).
  Appended wait_for(Record record, std::optional<std::int64_t> position);
  void enqueue(Record record, std::optional<std::int64_t> position, std::function<void(Appended)> done);
  std::optional<std::string> relay_gap(const Record& r);

  // Tells every on_commit subscriber (after a group, or another listener's commit).
  void announce() const;

  const bool m_shared;
  mutable std::mutex m_news_mutex; // the subscribers; held while they are called, so a handle's end waits for that
  mutable std::map<std::uint64_t, std::function<void()>> m_news;
  mutable std::uint64_t m_next_news = 0;
  mutable std::condition_variable m_commit_cv; // any commit: for wait_beyond and close
  std::deque<std::shared_ptr<const Record>> m_recent;
  std::size_t m_recent_size = 0;
  bool m_closed = false;
  std::int64_t m_committed_seq = 0;
  TimePoint m_last_group;
  CommitStats m_stats;
  Failure m_failure;
  static constexpr std::int64_t k_no_hole = INT64_MAX;
  std::int64_t m_relay_hole = k_no_hole;           // the committer's: the first relayed delivery a failed commit lost
  GroupCommit<std::shared_ptr<Pending>> m_commits; // the committer
};

} // namespace acx::journal::detail
