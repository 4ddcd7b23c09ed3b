#include "acx/journal/group_writer.hpp"

#include <fmt/format.h>

#include "acx/util/text.hpp"

namespace acx::journal {

const std::vector<double>& commit_buckets()
{
  static const std::vector<double> buckets{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  return buckets;
}

namespace detail {

namespace {

// How much of the newest committed history the writer keeps in memory for in-process readers.
constexpr std::size_t k_recent_records = 4096;
constexpr std::size_t k_recent_bytes = 16u << 20;
// How long the committer lets a group fill before it commits, unless k_gather_records are waiting already.
constexpr auto k_gather_time = std::chrono::microseconds(200);
constexpr std::size_t k_gather_records = 64;
// With other writers on the same journal, how often a wait for a commit looks at the journal itself.
constexpr auto k_shared_poll = std::chrono::milliseconds(100);

std::string headers_json(const util::Headers& headers)
{
  std::string out = "[";
  for (const auto& h : headers) {
    out += out.size() > 1 ? "," : "";
    out += '[';
    util::append_json_string(out, h.name);
    out += ',';
    util::append_json_string(out, h.value);
    out += ']';
  }
  return out + "]";
}

} // namespace

GroupWriter::GroupWriter(WriterOptions options, std::int64_t committed, bool shared)
    : m_options(std::move(options)), m_shared(shared), m_committed_seq(committed),
      m_commits({k_gather_time, k_gather_records, m_options.max_waiting})
{
  m_stats.buckets.assign(commit_buckets().size(), 0);
}

void GroupWriter::start()
{
  // Each group: committed, readers told, appenders answered; between groups, the engine's idle work.
  m_commits.start("acx-journal", {[this](Group& group) {
                                    commit(group);
                                    notify_waiters();
                                    announce();
                                    for (auto& p : group) {
                                      p->done(std::move(p->result));
                                    }
                                    after_group();
                                  },
                                  [this] {
                                    TimePoint last;
                                    {
                                      std::lock_guard lock(m_mutex);
                                      last = m_last_group;
                                    }
                                    return idle_due(last);
                                  },
                                  [this] { idle_work(); }});
}

void GroupWriter::finish()
{
  close();
}

Appended GroupWriter::append(Record record)
{
  return wait_for(std::move(record), std::nullopt);
}

Appended GroupWriter::set_upstream(std::int64_t position)
{
  return wait_for({}, position);
}

// Queues a record (or, with a position, only the upstream's cursor) and waits for its group's commit.
Appended GroupWriter::wait_for(Record record, std::optional<std::int64_t> position)
{
  // The outcome is shared with the callback, which may come after this append gave up waiting.
  struct Outcome {
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<Appended> result;
  };
  auto outcome = std::make_shared<Outcome>();
  const Status status = record.status;
  enqueue(std::move(record), position, [outcome](Appended a) {
    std::lock_guard lock(outcome->mutex);
    outcome->result = std::move(a);
    outcome->cv.notify_all();
  });
  std::unique_lock lock(outcome->mutex);
  if (!outcome->cv.wait_for(lock, m_options.commit_wait, [&] { return outcome->result.has_value(); })) {
    return {false, status, 0,
            fmt::format("the journal commit did not finish within {} ms", m_options.commit_wait.count())};
  }
  return std::move(*outcome->result);
}

void GroupWriter::append_async(Record record, std::function<void(Appended)> done)
{
  enqueue(std::move(record), std::nullopt, std::move(done));
}

void GroupWriter::enqueue(Record record, std::optional<std::int64_t> position, std::function<void(Appended)> done)
{
  auto pending = std::make_shared<Pending>();
  pending->position = position;
  pending->row = {util::format_rfc3339(record.received), headers_json(record.headers),
                  std::string(status_name(record.status))};
  pending->record = std::move(record);
  pending->done = std::move(done);
  if (auto why = m_commits.enqueue(pending)) {
    pending->done({false, pending->record.status, 0, *why});
  }
}

Failure GroupWriter::failure() const
{
  std::lock_guard lock(m_mutex);
  return m_failure;
}

std::int64_t GroupWriter::committed_seq() const
{
  std::lock_guard lock(m_mutex);
  return m_committed_seq;
}

std::int64_t GroupWriter::wait_beyond(std::int64_t seq, std::chrono::milliseconds timeout) const
{
  std::unique_lock lock(m_mutex);
  m_commit_cv.wait_for(lock, m_shared ? std::min<std::chrono::milliseconds>(timeout, k_shared_poll) : timeout,
                       [&] { return m_committed_seq > seq || m_closed; });
  return m_committed_seq;
}

std::shared_ptr<void> GroupWriter::on_commit(std::function<void()> news) const
{
  std::lock_guard lock(m_news_mutex);
  const auto key = m_next_news++;
  m_news.emplace(key, std::move(news));
  return {nullptr, [this, key](void*) {
            std::lock_guard gone(m_news_mutex);
            m_news.erase(key);
          }};
}

void GroupWriter::announce() const
{
  std::lock_guard lock(m_news_mutex);
  for (const auto& [key, news] : m_news) {
    news();
  }
}

std::optional<std::vector<std::shared_ptr<const Record>>> GroupWriter::recent_after(std::int64_t seq,
                                                                                    std::size_t limit) const
{
  if (m_shared) {
    return std::nullopt; // other listeners' records are in the journal, not here
  }
  std::lock_guard lock(m_mutex);
  std::vector<std::shared_ptr<const Record>> out;
  if (seq >= m_committed_seq) {
    return out;
  }
  if (m_recent.empty() || m_recent.front()->seq > seq + 1) {
    return std::nullopt;
  }
  // Sequence numbers in m_recent are consecutive: index by difference.
  const auto first = static_cast<std::size_t>(seq + 1 - m_recent.front()->seq);
  for (std::size_t i = first; i < m_recent.size() && out.size() < limit; ++i) {
    out.push_back(m_recent[i]);
  }
  return out;
}

CommitStats GroupWriter::stats() const
{
  std::lock_guard lock(m_mutex);
  return m_stats;
}

void GroupWriter::close()
{
  m_commits.close(); // whatever was appended before is committed before close returns
  {
    std::lock_guard lock(m_mutex);
    m_closed = true;
  }
  m_commit_cv.notify_all();
}

void GroupWriter::set_committed(std::int64_t seq)
{
  std::lock_guard lock(m_mutex);
  m_committed_seq = seq;
}

void GroupWriter::committed_elsewhere(std::int64_t seq)
{
  std::unique_lock lock(m_mutex);
  if (seq > m_committed_seq) {
    m_committed_seq = seq;
    m_commit_cv.notify_all();
    lock.unlock();
    announce();
  }
}

void GroupWriter::notify_waiters()
{
  std::lock_guard lock(m_mutex);
  m_commit_cv.notify_all();
}

std::optional<std::string> GroupWriter::relay_gap(const Record& r)
{
  if (r.relay_seq > m_relay_hole) {
    // Stored, it would move the upstream's cursor past a delivery that was not: the puller asks again from the
    // cursor, and the hole's own delivery comes first.
    return fmt::format("relayed delivery #{} was not stored before it", m_relay_hole);
  }
  if (r.relay_seq > 0 && r.relay_seq == m_relay_hole) {
    m_relay_hole = k_no_hole; // if this transaction fails, commit() opens it again
  }
  return std::nullopt;
}

// One transaction for the whole group; results and bookkeeping under m_mutex.
void GroupWriter::commit(Group& batch)
{
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  Group stored;
  std::int64_t relayed = -1; // the upstream's cursor to keep, if any (0: before its first delivery)
  std::vector<std::shared_ptr<Pending>> positions;
  for (auto& p : batch) {
    if (p->position) { // the cursor only: in this transaction, whatever the group's deliveries say
      positions.push_back(p);
      continue;
    }
    if (auto gap = relay_gap(p->record)) {
      p->result = {false, p->record.status, 0, *gap};
      continue;
    }
    relayed = p->record.relay_seq > 0 ? std::max(relayed, p->record.relay_seq) : relayed;
    stored.push_back(p);
  }
  for (const auto& p : positions) {
    relayed = std::max(relayed, *p->position);
  }
  Fault fault = Fault::none;
  try {
    store(stored, relayed); // the upstream's cursor moves in the transaction that stores what it passed
  } catch (const JournalError& e) {
    error = e.what(); // the engine's failures, by their fault
    fault = e.fault();
  } catch (const std::exception& e) {
    error = e.what(); // and anything else: the group is answered, never left waiting
    fault = Fault::other;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!error.empty()) {
    for (const auto& p : batch) { // relayed deliveries past the first one lost are refused until it comes again
      m_relay_hole = p->record.relay_seq > 0 ? std::min(m_relay_hole, p->record.relay_seq) : m_relay_hole;
    }
  }
  for (const auto& p : positions) {
    p->result = {error.empty(), Status::accepted, 0,
                 error.empty() ? "" : fmt::format("cannot write the journal: {}", error)};
  }
  std::lock_guard lock(m_mutex);
  m_failure = {error.empty() ? Fault::none : fault, error};
  m_last_group = std::chrono::steady_clock::now();
  for (auto& p : stored) {
    if (!error.empty()) {
      p->result = {false, p->record.status, 0, fmt::format("cannot write the journal: {}", error)};
    } else if (p->result.stored && p->result.status != Status::refused) {
      m_committed_seq = std::max(m_committed_seq, p->result.seq);
      remember(*p);
    }
  }
  if (error.empty()) {
    ++m_stats.commits;
    m_stats.records += batch.size() - positions.size();
    m_stats.seconds_total += seconds;
    for (std::size_t b = 0; b < commit_buckets().size(); ++b) {
      m_stats.buckets[b] += seconds <= commit_buckets()[b] ? 1 : 0;
    }
  }
}

// Keeps a committed record in the in-memory tail (m_mutex held).
void GroupWriter::remember(Pending& p)
{
  if (m_shared) {
    return;
  }
  auto kept = std::make_shared<Record>(std::move(p.record));
  kept->seq = p.result.seq;
  kept->headers_json = std::move(p.row.headers);
  m_recent_size += kept->body.size() + kept->headers_json.size();
  m_recent.push_back(std::move(kept));
  while (m_recent.size() > k_recent_records || m_recent_size > k_recent_bytes) {
    m_recent_size -= m_recent.front()->body.size() + m_recent.front()->headers_json.size();
    m_recent.pop_front();
  }
}

} // namespace detail
} // namespace acx::journal
