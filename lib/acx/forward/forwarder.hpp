#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "acx/forward/consumer.hpp"
#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/util/notice.hpp"
#include "acx/util/thread.hpp"

namespace acx::forward {

// A consumer's figures, for /metrics and /healthz.
struct Stats {
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;
  std::uint64_t dead = 0;
  std::uint64_t filtered = 0;        // events its filter did not take
  std::string circuit = "closed";    // its circuit breaker: closed, open, half-open
  std::uint64_t circuit_opened = 0;  // times it opened
  std::uint64_t lag = 0;             // events read from the journal and not yet handed over
  double oldest_pending_seconds = 0; // since the oldest of them was received
  bool stopped = false;              // the consumer answered 410
  bool stalled = false;              // events wait and nothing was delivered for Options::stall_warning
  bool standby = false;              // another listener on the shared journal holds the consumer's lease
};

// How a forwarder reports to whoever runs it; each is called from the forwarder's threads.
struct Hooks {
  std::function<void(const Progress&)> report; // every attempt
  util::Notify notify;                         // a consumer stalls, stops (410), or its marks cannot be saved
  util::Thread::Failed failed;                 // a thread of the forwarder failed: it stops handing over events
};

// Hands the journal's accepted events to one consumer, in journal order per ordering key, up to `concurrency` keys
// at once, from the consumer's watermark in the journal's outbox: so every event acknowledged to the sender reaches
// it at least once, across failures of the consumer and restarts of acx. Retries with backoff (Retry-After honoured)
// until the event is older than max_age; a refusal (4xx) is dead at once; 410 stops the consumer.
class Forwarder {
public:
  Forwarder(Consumer consumer, Options options, const std::string& journal_path, journal::Writer& writer,
            journal::Outbox& outbox, Hooks hooks);
  // Stops, as stop() does.
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Attaches to the outbox (a new consumer starts now, or at Consumer::from) and starts the threads. Throws
  // acx::Error when the journal cannot be read.
  void start();
  // Waits until every event up to `seq` this consumer wants was tried at least once by this listener (or it does not
  // hand events over: another listener holds the lease), at most one attempt's timeout: acx listen --count, before it
  // stops, so that the events it counted reach the app (retries of a failed one stay pending, for the next start).
  void try_up_to(std::int64_t seq);
  // Stops at once: attempts in flight are abandoned (their command killed, their request cut off) and stay pending,
  // handed over again after the next start, with whatever else is left.
  void stop();
  const Consumer& consumer() const;
  // The consumer's filter and transform from its next event on (a profile reloaded); checked already.
  void set_programs(jq::Programs programs);
  Stats stats() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace acx::forward
