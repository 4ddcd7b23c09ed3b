#include "acx/forward/forwarder.hpp"

#include <condition_variable>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <random>

#include "acx/deliver/retry.hpp"
#include "acx/event/topics.hpp"
#include "acx/forward/hand_over.hpp"
#include "acx/forward/lease.hpp"
#include "acx/forward/schedule.hpp"
#include "acx/journal/follower.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

namespace acx::forward {

namespace {

using Clock = std::chrono::steady_clock;
using journal::Handed;
using RecordPtr = std::shared_ptr<const journal::Record>;

constexpr std::size_t k_window = 20'000; // events read ahead of the slowest key at most
using Item = Schedule::Item;

} // namespace

struct Forwarder::Impl {
  Consumer c;
  Options o;
  std::string path;
  journal::Writer& writer;
  journal::Outbox& outbox;
  Hooks hooks;
  std::unique_ptr<signing::Scheme> signer;
  std::unique_ptr<journal::Reader> reader;     // events queued again by `acx events retry`
  std::unique_ptr<journal::Follower> follower; // the journal in order, from the watermark

  mutable std::mutex mutex;
  std::condition_variable_any cv; // waits end on `changes` or the work's stop token
  Schedule schedule;              // the events read and not yet delivered or dead, in lanes by ordering key
  std::set<std::int64_t> done;    // marked in the outbox above the watermark at start
  std::int64_t cursor = 0;        // the last seq read
  std::int64_t saved_watermark = 0;
  std::uint64_t changes = 0; // the schedule or the cursor moved: waiting threads look again
  bool stopped = false;      // 410
  Clock::time_point last_delivery = Clock::now();
  bool warned = false;
  std::uint64_t delivered = 0, retried = 0, dead = 0, filtered = 0;
  std::shared_ptr<const jq::Programs> programs; // the filter and transform, replaced by set_programs
  Throttle throttle;                            // the rate limit and circuit breaker
  std::vector<util::Thread> threads;            // the lease keeper, on a shared journal
  std::stop_source work_stop; // the work's end (end_work, a failure): its threads' waits and attempts in flight end
  std::map<std::int64_t, journal::Tried> tried; // pending events a previous run tried, until read again
  std::set<std::int64_t> untried;               // read, and not tried yet by this run
  std::mt19937_64 resume_random{std::random_device{}()};
  std::string target, topics_json;  // as attached to the outbox
  std::vector<util::Thread> work;   // the reader and the workers, while this listener hands events over
  std::atomic<bool> working{false}; // handing events over (on a shared journal: holding the lease)
  std::stop_source closing;         // stop() or a failure: the lease keeper ends
  LeaseKeeper lease;                // on a shared journal

  Impl(Consumer consumer, Options options, std::string journal_path, journal::Writer& w, journal::Outbox& ob, Hooks h)
      : c(std::move(consumer)), o(options), path(std::move(journal_path)), writer(w), outbox(ob), hooks(std::move(h)),
        lease(ob, c.name,
              {[this] { return working.load(); }, [this] { return !stopped; }, [this] { begin_work(); },
               [this] { end_work(); }, hooks.notify})
  {
    if (!c.url.empty() && signing::traits(c.scheme.kind).takes_secret) {
      signer = signing::make_scheme(c.scheme);
    }
    programs = std::make_shared<const jq::Programs>(c.programs);
    throttle = Throttle(c.throttle);
  }

  Throttle::Circuit circuit() const
  {
    std::lock_guard lock(mutex);
    return throttle.circuit(Clock::now());
  }

  // Waits until the rate limit and the circuit breaker let an attempt start, and starts it; false when the work stops.
  bool gate(std::stop_token stop)
  {
    std::unique_lock lock(mutex);
    for (;;) {
      if (stop.stop_requested()) {
        return false;
      }
      const auto now = Clock::now();
      const auto until = throttle.blocked_until(now);
      if (!until) {
        throttle.start(now);
        return true;
      }
      const auto seen = changes;
      const auto moved = [&] { return changes != seen; };
      if (*until == Clock::time_point::max()) {
        cv.wait(lock, stop, moved);
      } else {
        cv.wait_until(lock, stop, *until, moved);
      }
    }
  }

  // An attempt's answer goes to the circuit breaker; a change of the circuit is said once. When it closes, the lanes
  // waiting out a backoff go now. Returns the change for the outbox: when it opened (RFC 3339), or "" (closed).
  std::optional<std::string> breaker_locked(const Result& res)
  {
    const auto now = Clock::now();
    const auto changed = throttle.ended(res.state != Handed::pending, now);
    if (!changed) {
      return std::nullopt;
    }
    if (changed == Throttle::Circuit::open) {
      notify(util::Notice::Level::warning,
             fmt::format("{}: circuit open after {} failed attempts in a row: its events wait; one attempt every {}",
                         c.name, throttle.options().breaker_failures,
                         util::format_duration(throttle.options().cooldown)));
    } else if (changed == Throttle::Circuit::closed) {
      notify(util::Notice::Level::info, fmt::format("{}: circuit closed: it answers again", c.name));
      schedule.hurry_all(now);
    }
    return changed == Throttle::Circuit::open ? util::format_rfc3339(util::now()) : std::string();
  }

  // The circuit's state in the outbox; a failure to write it is said, and the forwarding goes on.
  void save_circuit(const std::string& since)
  {
    try {
      outbox.set_circuit(c.name, since);
    } catch (const std::exception& e) {
      notify(util::Notice::Level::info,
             fmt::format("{}: cannot note its circuit in the journal: {}", c.name, e.what()));
    }
  }

  std::int64_t watermark_locked() const { return schedule.watermark(cursor); }

  // The backoff between attempts at one event.
  deliver::RetryPolicy retry_policy() const
  {
    deliver::RetryPolicy policy;
    policy.base = std::chrono::milliseconds(500);
    policy.ceiling = o.max_wait;
    return policy;
  }

  // An event joins its lane; one a previous run tried goes on from its last attempt: the next number, and the rest of
  // the wait it was in (measured from that attempt's time).
  void enqueue_locked(RecordPtr r)
  {
    auto now = Clock::now();
    int attempt = 1;
    if (auto t = tried.find(r->seq); t != tried.end()) {
      attempt = t->second.attempt + 1;
      const auto wait = deliver::backoff(t->second.attempt, retry_policy(), std::nullopt, resume_random);
      const auto ms = [](util::Instant i) { return i.seconds * 1000 + i.ticks / 10'000; };
      const auto since = std::chrono::milliseconds(ms(util::now()) - ms(t->second.at));
      now += std::max(std::chrono::milliseconds(0), wait - since);
      tried.erase(t);
    }
    untried.insert(r->seq);
    schedule.add(std::move(r), now, attempt);
    changed_locked();
  }

  // The schedule or the cursor moved (the mutex held): the workers and try_up_to look again.
  void changed_locked()
  {
    ++changes;
    cv.notify_all();
  }

  void notify(util::Notice::Level level, std::string text) const
  {
    if (hooks.notify) {
      hooks.notify({level, std::move(text)});
    }
  }

  // Persists the watermark and takes what `acx events retry` queued; about once a second.
  void housekeeping()
  {
    std::int64_t watermark = 0;
    {
      std::lock_guard lock(mutex);
      watermark = watermark_locked();
    }
    if (watermark > saved_watermark) {
      outbox.advance(c.name, watermark);
      saved_watermark = watermark;
    }
    for (const std::int64_t seq : outbox.take_retries(c.name)) {
      std::unique_lock lock(mutex);
      done.erase(seq);
      if (schedule.holds(seq)) {
        schedule.hurry(seq, Clock::now()); // waiting out a backoff: due now
        changed_locked();
        continue;
      }
      if (seq > cursor) {
        continue; // read later anyway
      }
      lock.unlock();
      auto r = reader->find(std::to_string(seq));
      lock.lock();
      if (r && r->status == journal::Status::accepted && !schedule.holds(seq)) {
        enqueue_locked(std::make_shared<const journal::Record>(std::move(*r)));
      }
    }
    std::lock_guard lock(mutex);
    const std::size_t waiting = schedule.size();
    const bool stalled = waiting > 0 && Clock::now() - last_delivery > o.stall_warning;
    if (stalled && !warned) {
      notify(util::Notice::Level::warning,
             fmt::format("{} has taken nothing for {} s; {} event{} wait", c.name,
                         std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - last_delivery).count(),
                         waiting, waiting == 1 ? "" : "s"));
    }
    warned = stalled;
  }

  // Reads the journal in order from the cursor and hands each wanted event to its lane: woken by the journal's
  // commits and by lanes that make room, and once a second for its housekeeping (stalls, acx events retry).
  void read_loop(std::stop_token stop)
  {
    auto next_housekeeping = Clock::now();
    bool unreachable = false;
    for (;;) {
      bool room = false;
      {
        std::unique_lock lock(mutex);
        room = cv.wait_until(lock, stop, next_housekeeping, [this] { return schedule.size() < k_window; });
        if (stop.stop_requested() || stopped) {
          return;
        }
      }
      std::vector<RecordPtr> batch;
      try {
        if (Clock::now() >= next_housekeeping) {
          next_housekeeping = Clock::now() + std::chrono::seconds(1);
          housekeeping();
        }
        if (!room) {
          continue; // k_window events wait already: read on once the slowest key moves
        }
        batch = follower->next(512, stop, next_housekeeping);
        unreachable = false;
      } catch (const Error& e) {
        if (!outbox.shared() || journal::fault_of(e) == journal::Fault::corrupt) {
          throw; // a journal file that cannot be read stops the listener, and so does a corrupt database
        }
        // A database out of reach: the listener goes on (its deliveries answer 503), and so does this, once it is
        // back; the lease keeper stops this work if that takes long.
        if (!unreachable) {
          notify(util::Notice::Level::warning, fmt::format("{}: cannot read the journal: {}", c.name, e.what()));
        }
        unreachable = true;
        util::pause(stop, std::chrono::seconds(1));
        continue;
      }
      std::lock_guard lock(mutex);
      for (const auto& r : batch) {
        cursor = r->seq;
        const bool skip = r->status != journal::Status::accepted || !event::topic_wanted(c.topics, r->topic) ||
                          done.erase(r->seq) > 0;
        if (!skip) {
          enqueue_locked(r);
        }
      }
      if (!batch.empty()) {
        changed_locked(); // the cursor moved (try_up_to)
      }
    }
  }

  // Takes the lane whose first event is due first, waiting for it; nullopt when the work stops, or the consumer did.
  std::optional<Schedule::Taken> take_due(std::stop_token stop)
  {
    std::unique_lock lock(mutex);
    for (;;) {
      if (stop.stop_requested() || stopped) {
        return std::nullopt;
      }
      if (auto taken = schedule.take(Clock::now())) {
        return taken;
      }
      const auto seen = changes;
      const auto moved = [&] { return changes != seen; };
      if (const auto until = schedule.next_due()) {
        cv.wait_until(lock, stop, *until, moved);
      } else {
        cv.wait(lock, stop, moved);
      }
    }
  }

  // After an attempt: the lane's next event becomes due (now, or after `wait` for a retry), or the consumer stops.
  void settle(const std::string& key, std::int64_t seq, const Result& res,
              std::optional<std::chrono::milliseconds> wait)
  {
    std::optional<std::string> circuit;
    {
      std::lock_guard lock(mutex);
      untried.erase(seq);
      if (res.attempted) {
        circuit = breaker_locked(res);
      }
      if (res.stop) {
        stopped = true; // no more taken; the event stays pending: handed over after a restart, if the consumer wants it
      } else if (res.filtered) {
        ++filtered;
        schedule.finished(key, Clock::now());
      } else if (res.state == Handed::pending) {
        ++retried;
        schedule.retry(key, Clock::now() + *wait);
      } else {
        res.state == Handed::delivered ? ++delivered : ++dead;
        if (res.state == Handed::delivered) {
          last_delivery = Clock::now();
        }
        schedule.finished(key, Clock::now());
      }
      changed_locked();
    }
    if (circuit) {
      save_circuit(*circuit);
    }
  }

  void report_attempt(const Item& item, const Result& res, std::optional<std::chrono::milliseconds> wait) const
  {
    const auto& r = *item.record;
    if (res.stop) {
      notify(
          util::Notice::Level::info,
          fmt::format("{} answered 410 Gone to #{}: forwarding to it stopped (restart acx to resume)", c.name, r.seq));
    }
    if (!hooks.report) {
      return;
    }
    Progress p{c.name,
               r.seq,
               r.event_id,
               r.topic,
               item.attempt,
               c.via(),
               res.status,
               res.ms,
               res.answer,
               res.stop ? "stopped" : std::string(journal::handed_name(res.state)),
               0};
    if (wait) {
      p.state = "retry";
      p.retry_in = std::chrono::duration<double>(*wait).count();
    }
    hooks.report(p);
  }

  void work_loop(std::stop_token stop)
  {
    std::mt19937_64 random{std::random_device{}()};
    const deliver::RetryPolicy policy = retry_policy();
    std::shared_ptr<const jq::Programs> programmed;
    std::unique_ptr<jq::Runner> jq; // this thread's worker process, for the programs as they are
    while (auto taken = take_due(stop)) {
      const std::string& key = taken->key;
      const Item& item = taken->item;
      const auto start = util::now();
      if (std::unique_lock lock(mutex); !jq || programs != programmed) { // a reload may change them
        programmed = programs;
        lock.unlock();
        jq = std::make_unique<jq::Runner>(*programmed);
      }
      Result res = forward::hand(
          c, signer.get(), o.hydrate.get(), *jq, [&] { return gate(stop); }, item, stop);
      const auto& r = *item.record;
      if (res.abandoned) {
        return; // the work stops: the event stays pending in the outbox
      }
      if (res.filtered) {
        settle(key, r.seq, res, std::nullopt); // not this consumer's: nothing to mark, nothing to report
        continue;
      }
      std::optional<std::chrono::milliseconds> wait;
      if (res.state == Handed::pending) {
        const auto age = std::chrono::seconds(util::now().seconds - r.received.seconds);
        if (age > o.max_age && circuit() == Throttle::Circuit::closed) { // the app's outage is not the event's
          res.state = Handed::dead;
          res.answer += fmt::format(" (older than --forward-max-age: dead)");
        } else {
          wait = deliver::backoff(item.attempt, policy, res.retry_after, random);
        }
      }
      if (!res.stop) {
        journal::HandOver h{c.name, r.seq, item.attempt, start, res.status, res.ms, res.answer, res.state};
        try {
          outbox.record(h);
        } catch (const std::exception& e) {
          notify(util::Notice::Level::info,
                 fmt::format("{}: cannot mark #{} in the journal: {}", c.name, r.seq, e.what()));
        }
      }
      settle(key, item.record->seq, res, wait);
      report_attempt(item, res, wait);
    }
  }

  // The work of a forwarder that may hand events over (SQLite's, or the lease holder's): from the consumer's
  // watermark, what was marked and tried above it, a follower of the journal and the threads.
  void begin_work()
  {
    const auto watermark = outbox.attach(c.name, target, topics_json, 0, false);
    {
      std::lock_guard lock(mutex);
      schedule = Schedule{};
      saved_watermark = watermark;
      cursor = watermark;
      work_stop = std::stop_source{};
    }
    // Events asked for that retention pruned (--forward-from below what the journal keeps) are said, not silently
    // skipped.
    if (const auto pruned_below = reader->extent().pruned_below; cursor + 1 < pruned_below) {
      notify(util::Notice::Level::warning,
             fmt::format("{}: {} pruned by retention before it took {}; it starts at #{}", util::printable(c.name),
                         cursor + 2 == pruned_below
                             ? fmt::format("event #{} was", cursor + 1)
                             : fmt::format("events #{} to #{} were", cursor + 1, pruned_below - 1),
                         cursor + 2 == pruned_below ? "it" : "them", pruned_below));
    }
    save_circuit(""); // closed, whatever a previous run left
    follower = std::make_unique<journal::Follower>(path, writer, cursor);
    done = outbox.done_after(c.name, saved_watermark);
    tried = outbox.tried_after(c.name, saved_watermark);
    // The reader and the workers share one stop token: the work's.
    const std::stop_token stop = work_stop.get_token();
    work.emplace_back(
        "acx-fwd-read", [this, stop] { read_loop(stop); }, [this](std::exception_ptr e) { fail(e); });
    for (std::size_t i = 0; i < std::max<std::size_t>(1, o.concurrency); ++i) {
      work.emplace_back(
          "acx-forward", [this, stop] { work_loop(stop); }, [this](std::exception_ptr e) { fail(e); });
    }
    working = true;
  }

  // Stops the work at once (attempts in flight abandoned: pending, handed over again) and saves the watermark.
  void end_work()
  {
    if (!working) {
      return;
    }
    work_stop.request_stop(); // the waits end, and attempts in flight
    work.clear();             // joins; a failure went to Hooks::failed already
    working = false;
    std::int64_t watermark = 0;
    {
      std::lock_guard lock(mutex);
      watermark = watermark_locked();
    }
    try {
      if (watermark > saved_watermark) {
        outbox.advance(c.name, watermark);
        saved_watermark = watermark;
      }
    } catch (const std::exception& e) {
      notify(util::Notice::Level::info, fmt::format("{}: cannot save where forwarding got to: {}", c.name, e.what()));
    }
  }

  // A thread that fails (a journal it cannot read, a command that cannot be started) stops this forwarder's work and
  // tells the owner, which stops the listener: its events wait in the journal for the next start.
  void fail(std::exception_ptr e)
  {
    std::stop_source ending;
    {
      std::lock_guard lock(mutex);
      ending = work_stop;
    }
    ending.request_stop();
    closing.request_stop();
    if (hooks.failed) {
      hooks.failed(e);
    }
  }
};

Forwarder::Forwarder(Consumer consumer, Options options, const std::string& journal_path, journal::Writer& writer,
                     journal::Outbox& outbox, Hooks hooks)
    : m_impl(std::make_unique<Impl>(std::move(consumer), options, journal_path, writer, outbox, std::move(hooks)))
{
}

Forwarder::~Forwarder()
{
  stop();
}

const Consumer& Forwarder::consumer() const
{
  return m_impl->c;
}

void Forwarder::start()
{
  auto& m = *m_impl;
  m.reader = journal::Reader::open(m.path);
  // Where a new consumer starts: now, or where --forward-from says.
  std::int64_t start = m.writer.committed_seq();
  const From& from = m.c.from;
  if (from.start) {
    start = 0;
  } else if (from.seq) {
    start = std::max<std::int64_t>(0, *from.seq - 1);
  } else if (from.time) {
    journal::Query q;
    q.since = from.time;
    q.limit = 1;
    const auto first = m.reader->read(q);
    start = first.empty() ? m.writer.committed_seq() : first.front().seq - 1;
  }
  std::string topics = "[";
  for (const auto& t : m.c.topics) {
    topics += (topics.size() > 1 ? "," : "");
    util::append_json_string(topics, t);
  }
  topics += "]";
  m.target = m.c.url.empty() ? m.c.command : util::redact_url(m.c.url);
  m.topics_json = topics;
  m.outbox.attach(m.c.name, m.target, topics, start, from.given());
  if (!m.outbox.shared()) {
    m.begin_work();
    return;
  }
  // Listeners sharing the journal hand this consumer's events over one at a time: the one holding its lease.
  m.threads.emplace_back(
      "acx-fwd-lease", [&m] { m.lease.run(m.closing.get_token()); }, [&m](std::exception_ptr e) { m.fail(e); });
}

void Forwarder::try_up_to(std::int64_t seq)
{
  auto& m = *m_impl;
  const auto until = Clock::now() + m.c.timeout + std::chrono::seconds(1); // an attempt's longest, and its start
  std::unique_lock lock(m.mutex);
  const std::stop_token stop = m.work_stop.get_token();
  m.cv.wait_until(lock, stop, until, [&] {
    return m.stopped || !m.working || (m.cursor >= seq && (m.untried.empty() || *m.untried.begin() > seq));
  });
}

void Forwarder::stop()
{
  auto& m = *m_impl;
  m.closing.request_stop();
  m.threads.clear(); // the lease keeper: ends the work it began
  m.end_work();
  if (m.outbox.shared()) {
    m.lease.release();
  }
}

void Forwarder::set_programs(jq::Programs programs)
{
  auto& m = *m_impl;
  auto next = std::make_shared<const jq::Programs>(std::move(programs));
  std::lock_guard lock(m.mutex);
  if (*next != *m.programs) {
    m.programs = std::move(next); // each worker starts a worker process for them before its next event
  }
}

Stats Forwarder::stats() const
{
  const auto& m = *m_impl;
  std::lock_guard lock(m.mutex);
  Stats s;
  s.delivered = m.delivered;
  s.retried = m.retried;
  s.dead = m.dead;
  s.filtered = m.filtered;
  s.circuit = circuit_name(m.throttle.circuit(Clock::now()));
  s.circuit_opened = m.throttle.opened();
  s.lag = m.schedule.size();
  if (const auto oldest_at = m.schedule.oldest_received()) {
    const auto& oldest = *oldest_at;
    const auto now = util::now();
    s.oldest_pending_seconds =
        static_cast<double>(now.seconds - oldest.seconds) + static_cast<double>(now.ticks - oldest.ticks) / 1e7;
  }
  s.stopped = m.stopped;
  s.standby = !m.working;
  s.stalled = s.lag > 0 && Clock::now() - m.last_delivery > m.o.stall_warning;
  return s;
}

} // namespace acx::forward
