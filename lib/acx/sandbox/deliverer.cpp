#include "acx/sandbox/deliverer.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <limits>

#include "acx/deliver/delivery.hpp"
#include "acx/event/edit.hpp"
#include "acx/event/facts.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::sandbox {

namespace {
// Tenants (API keys) delivered to at once; each tenant's events go one at a time, in order.
constexpr std::size_t k_workers = 8;
} // namespace

Deliverer::Deliverer(Store& store, const Options& o, util::Notify notify)
    : m_store(store), m_options(o), m_notify(std::move(notify)), m_queue(o.chaos, o.seed), m_random(o.seed + 1),
      m_drops(o.seed + 2)
{
  for (std::size_t i = 0; i < k_workers; ++i) {
    m_threads.emplace_back("acx-deliverer", [this](std::stop_token stop) { run(stop); });
  }
}

Deliverer::~Deliverer()
{
  {
    std::lock_guard lock(m_mutex);
    m_queue.release_all();
    ++m_changes;
  }
  m_cv.notify_all();
  for (auto& t : m_threads) {
    t.request_stop();
  }
  m_threads.clear(); // joins: what is queued is delivered first
}

void Deliverer::enqueue(const Stored& s, std::string body, std::string event_id, std::string topic)
{
  {
    std::lock_guard lock(m_mutex);
    if (m_options.drop > 0 && std::uniform_real_distribution<double>(0, 1)(m_drops) < m_options.drop) {
      const auto envelope = event::parse_untrusted(body);
      const auto* event = envelope.is_object() ? event::member(envelope, "event") : nullptr;
      m_store.log({s.owner, util::format_rfc3339(util::now()), s.subscription.id, event_id, topic, 1, 0, 0,
                   fmt::format("dropped (--drop), never sent: {}", event ? event::subject(*event) : "")});
      return;
    }
    m_queue.arrive(s, std::move(body), std::move(event_id), std::move(topic), Queue::Clock::now());
    ++m_changes;
  }
  m_cv.notify_all();
}

void Deliverer::run(std::stop_token stop)
{
  for (;;) {
    Job job;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, stop, [this] { return !m_queue.empty(); });
      if (m_queue.empty()) { // stopped, and nothing left
        return;
      }
      // Otherwise wait for the soonest release, a new arrival or a tenant set free.
      auto next = m_queue.take(Queue::Clock::now());
      if (!next) {
        // Not on the stop token: stopping, what is queued still goes, once its tenant is free.
        const auto seen = m_changes;
        const auto moved = [&] { return m_changes != seen; };
        if (const auto until = m_queue.next_release(); until == Queue::Clock::time_point::max()) {
          m_cv.wait(lock, moved);
        } else {
          m_cv.wait_until(lock, until, moved);
        }
        continue;
      }
      job = std::move(*next);
    }
    const Job attempted = job; // its tenant and seq, for done()
    try {
      deliver_one(std::move(job), stop);
    } catch (const std::exception& e) {
      // The delivery log could not be written, say: this delivery is lost, the sandbox carries on.
      if (m_notify) {
        m_notify({util::Notice::Level::info, fmt::format("sandbox: a delivery failed: {}", e.what())});
      }
    }
    {
      std::lock_guard lock(m_mutex);
      m_queue.done(attempted);
      ++m_changes;
    }
    m_cv.notify_all();
  }
}

void Deliverer::deliver_one(Job job, std::stop_token stop)
{
  const auto url = util::parse_url(job.to.subscription.consumer_url);
  deliver::Outgoing out;
  out.url = job.to.subscription.consumer_url;
  out.body = job.body;
  out.event_id = job.event_id;
  out.topic = job.topic;
  if (m_options.sign_standard && !job.to.secret.empty()) {
    signing::SchemeOptions so;
    so.kind = signing::Kind::standard;
    so.secrets.emplace_back(job.to.secret);
    out.headers = signing::make_scheme(so)->sign({out.body, out.event_id, util::now_unix(), out.url}).headers;
  }
  out.headers.add("User-Agent", "acx-sandbox (AccuLynx emulator)");
  if (!url) {
    m_store.log({job.to.owner, util::format_rfc3339(util::now()), job.to.subscription.id, job.event_id, job.topic, 1, 0,
                 0, "the consumer URL is not a URL"});
    return;
  }
  http::ClientOptions co;
  co.timeout = std::chrono::seconds(10);
  http::Client client(*url, co);
  const http::Exchange e = client.post(url->target, out.headers, out.body);
  // A retry waits in the queue, not here: one consumer that is down delays nobody else's deliveries.
  deliver::RetryPolicy policy;
  policy.retries = std::numeric_limits<int>::max();
  policy.base = std::chrono::milliseconds(200);
  std::unique_lock lock(m_mutex);
  const auto wait = deliver::retry_wait(e, job.attempt, policy, m_random);
  const auto at = Queue::Clock::now() + wait.value_or(std::chrono::milliseconds(0));
  const bool given_up = wait && at - job.first > m_options.give_up_after;
  lock.unlock();
  m_store.log({job.to.owner, util::format_rfc3339(util::now()), job.to.subscription.id, job.event_id, job.topic,
               job.attempt, e.status, static_cast<double>(e.latency.count()) / 1000.0,
               given_up ? e.error + (e.error.empty() ? "" : "; ") + "given up (--give-up-after)" : e.error});
  lock.lock();
  if (wait && !given_up && !stop.stop_requested()) {
    m_queue.retry(std::move(job), at);
  }
}

} // namespace acx::sandbox
