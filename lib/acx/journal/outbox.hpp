#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

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
  std::string target;         // the URL or the command
  std::string topics;         // JSON array of topic globs; [] for all
  std::int64_t watermark = 0; // every event up to here is delivered, dead, or not for this consumer
};

// The journal as an outbox: each consumer's watermark and the mark of every event handed over above it, and every
// attempt, in tables of the journal file, beside the deliveries. Its own connection, so it works beside a Writer
// (listen) or alone (acx events). Commits without fsync: what they protect against is a crash of acx, after which an
// event not marked is handed over again (at least once); the events themselves are as durable as the journal makes
// them. Thread-safe.
class Outbox {
public:
  // Opens the journal at `path` (it must exist), adding the outbox's tables when missing. Throws acx::Error (io).
  static std::unique_ptr<Outbox> open(const std::string& path);
  ~Outbox();

  // The consumer's watermark. A new consumer starts at `start`; with `reset` an existing one moves there and its marks
  // above it are dropped (--forward-from). `topics` is remembered for acx events.
  std::int64_t attach(const std::string& name, const std::string& target, const std::string& topics, std::int64_t start,
                      bool reset);
  // The events above `after` already delivered or dead, to skip.
  std::set<std::int64_t> done_after(const std::string& name, std::int64_t after);
  // The events above `after` tried and still pending: the last attempt at each.
  std::map<std::int64_t, Tried> tried_after(const std::string& name, std::int64_t after);
  // Records one attempt and the event's mark. Returns once committed; threads recording at once share a commit.
  void record(const HandOver& h);
  void advance(const std::string& name, std::int64_t watermark);
  // The events `acx events retry` queued again, marked pending as they are taken.
  std::vector<std::int64_t> take_retries(const std::string& name);

  // For acx events.
  std::vector<ConsumerInfo> consumers();
  std::optional<ConsumerInfo> consumer(const std::string& name);
  // The attempts at one event, every consumer's, in order.
  std::vector<HandOver> attempts(std::int64_t seq);
  // The events marked `state` for the consumer, in order.
  std::vector<std::int64_t> marked(const std::string& name, Handed state);
  // Queues again the one event `seq` (whatever became of it), or else every dead event; returns how many.
  std::size_t requeue(const std::string& name, std::optional<std::int64_t> seq);

private:
  struct Impl;
  explicit Outbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace acx::journal
