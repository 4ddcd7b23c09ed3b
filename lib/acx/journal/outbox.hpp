#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "acx/journal/group_commit.hpp"
#include "acx/util/time.hpp"

namespace acx::journal {

// Where an event stands with one consumer (a --forward-to URL or an --exec command).
enum class Handed {
  pending,   // not handed over yet, or being retried
  delivered, // the consumer took it
  dead,      // given up: refused (4xx), or older than --forward-max-age
  retry,     // queued again by `acx events retry`
};
std::string_view handed_name(Handed h);
std::optional<Handed> parse_handed(std::string_view name);

// One attempt at handing an event to a consumer, and where the event stands after it.
struct HandOver {
  std::string consumer;
  std::int64_t seq = 0;
  int attempt = 1;
  util::Instant at;
  int status = 0; // the HTTP status, or the command's exit code; 0 when there was no answer
  double ms = 0;
  std::string answer; // an excerpt of the answer, or why there was none
  Handed state = Handed::pending;
};

// The last attempt at an event still pending for a consumer: a restart goes on counting, and waiting, from it.
struct Tried {
  int attempt = 0;
  util::Instant at;
};

struct ConsumerInfo {
  std::string name;
  std::string target;             // the URL or the command
  std::string topics;             // JSON array of topic globs; [] for all
  std::int64_t watermark = 0;     // every event up to here is delivered, dead, or not for this consumer
  std::string holder;             // on a shared journal: the listener whose lease runs ("host:pid:..."), or empty
  std::string circuit_open_since; // RFC 3339: when its circuit breaker opened, while it is open; else empty
};

// The journal as an outbox: each consumer's watermark and the mark of every event handed over above it, and every
// attempt, in tables of the journal, beside the deliveries. Its own connection, so it works beside a Writer (listen)
// or alone (acx events). Commits without fsync: what they protect against is a crash of acx, after which an event not
// marked is handed over again (at least once); the events themselves are as durable as the journal makes them.
// Thread-safe. Two implementations: the SQLite journal's file, and PostgreSQL's tables, shared by several listeners
// (a consumer's lease says which of them hands its events over).
class Outbox {
public:
  // Opens the journal at `location` (it must exist), adding the outbox's tables when missing. Throws acx::Error (io).
  static std::unique_ptr<Outbox> open(const std::string& location);
  virtual ~Outbox() = default;

  // The consumer's watermark. A new consumer starts at `start`; with `reset` an existing one moves there and its marks
  // above it are dropped (--forward-from). `topics` is remembered for acx events.
  virtual std::int64_t attach(const std::string& name, const std::string& target, const std::string& topics,
                              std::int64_t start, bool reset) = 0;
  // Takes or renews the consumer's lease for `holder` until `ttl` from now; false while another holder's lease runs.
  // A journal only one listener writes (SQLite) always grants it.
  virtual bool lease(const std::string& name, const std::string& holder, std::chrono::milliseconds ttl) = 0;
  // Gives the lease up (a clean stop: another listener takes over at once).
  virtual void release(const std::string& name, const std::string& holder) = 0;
  // Whether other listeners may share the consumers (leases matter).
  virtual bool shared() const = 0;
  // The events above `after` already delivered or dead, to skip.
  virtual std::set<std::int64_t> done_after(const std::string& name, std::int64_t after) = 0;
  // The events above `after` tried and still pending: the last attempt at each.
  virtual std::map<std::int64_t, Tried> tried_after(const std::string& name, std::int64_t after) = 0;
  // Records one attempt and the event's mark. Returns once committed; threads recording at once share a commit.
  virtual void record(const HandOver& h) = 0;
  virtual void advance(const std::string& name, std::int64_t watermark) = 0;
  // The events `acx events retry` queued again, marked pending as they are taken.
  virtual std::vector<std::int64_t> take_retries(const std::string& name) = 0;

  // For acx events and /healthz: the accepted events above the consumer's watermark not yet delivered or dead.
  virtual std::int64_t waiting(const std::string& name) = 0;
  // For acx events.
  virtual std::vector<ConsumerInfo> consumers() = 0;
  // The consumer's circuit breaker opened at `since` (RFC 3339), or closed (empty), for acx events stats and the page.
  virtual void set_circuit(const std::string& name, const std::string& since) = 0;
  std::optional<ConsumerInfo> consumer(const std::string& name);
  // The attempts at one event, every consumer's, in order.
  virtual std::vector<HandOver> attempts(std::int64_t seq) = 0;
  // The events marked `state` for the consumer, in order.
  virtual std::vector<std::int64_t> marked(const std::string& name, Handed state) = 0;
  // Queues again the one event `seq` (whatever became of it), or else every dead event, and with `waiting` every event
  // waiting out a backoff too (a running forwarder tries them at once); returns how many.
  virtual std::size_t requeue(const std::string& name, std::optional<std::int64_t> seq, bool waiting) = 0;
};

// Hand-overs recorded by several threads at once, committed together by the family's group commit (one thread, one
// transaction per group): both outboxes' record(). record() returns once its group is committed, and rethrows that
// commit's failure.
class HandOverCommits {
public:
  using Write = std::function<void(const std::vector<const HandOver*>&)>;
  explicit HandOverCommits(Write write);
  void record(const HandOver& h);

private:
  struct Waiting {
    const HandOver* h = nullptr;
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    std::exception_ptr failed;
  };
  detail::GroupCommit<std::shared_ptr<Waiting>> m_commits;
};

} // namespace acx::journal
