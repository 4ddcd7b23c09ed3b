#include "acx/sandbox/deliverer.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <limits>

#include "acx/deliver/delivery.hpp"
#include "acx/event/edit.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::sandbox {

namespace {
// How long chaos holds an event back at the most when no later event comes.
constexpr std::chrono::seconds k_hold_limit{15};
// Tenants (API keys) delivered to at once; each tenant's events go one at a time, in order.
constexpr std::size_t k_workers = 8;
} // namespace

Deliverer::Deliverer(Store& store, const Options& o, util::Notify notify)
    : m_store(store), m_options(o), m_notify(std::move(notify)), m_random(o.chaos_seed)
{
  for (std::size_t i = 0; i < k_workers; ++i) {
    m_threads.emplace_back("acx-deliverer", [this] { run(); });
  }
}

Deliverer::~Deliverer()
{
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  for (auto& t : m_threads) {
    t.join();
  }
}

bool Deliverer::ready(const Job& job, std::chrono::steady_clock::time_point now) const
{
  return m_stop || job.after_seq <= m_delivered_seq || now >= job.held_until;
}

void Deliverer::maybe_hold(Job& job, std::chrono::steady_clock::time_point now)
{
  if (m_options.chaos && m_random() % 3 == 0) {
    job.after_seq = job.seq + 1 + m_random() % 3;
    job.held_until = now + k_hold_limit;
  }
}

void Deliverer::enqueue(const Stored& s, std::string body, std::string event_id, std::string topic)
{
  {
    std::lock_guard lock(m_mutex);
    const auto now = std::chrono::steady_clock::now();
    Job job{s, std::move(body), std::move(event_id), std::move(topic), m_next_seq++, 0, now};
    maybe_hold(job, now);
    m_queue.push_back(job);
    if (m_options.chaos && m_random() % 3 == 0) {
      m_queue.push_back(job); // delivered twice
      maybe_hold(m_queue.back(), now);
    }
  }
  m_cv.notify_all();
}

void Deliverer::run()
{
  for (;;) {
    Job job;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, [this] { return m_stop || !m_queue.empty(); });
      if (m_queue.empty()) {
        return;
      }
      // The first job in arrival order that may go and whose tenant is not being delivered to by another worker
      // (so one tenant's slow consumer holds up only that tenant); otherwise wait for the soonest release, a new
      // arrival or a tenant set free.
      const auto now = std::chrono::steady_clock::now();
      auto next = std::find_if(m_queue.begin(), m_queue.end(),
                               [&](const Job& j) { return ready(j, now) && !m_busy.contains(j.to.owner); });
      if (next == m_queue.end()) {
        auto until = std::chrono::steady_clock::time_point::max();
        for (const Job& j : m_queue) {
          if (!m_busy.contains(j.to.owner)) {
            until = std::min(until, j.held_until);
          }
        }
        if (until == std::chrono::steady_clock::time_point::max()) {
          m_cv.wait(lock);
        } else {
          m_cv.wait_until(lock, until);
        }
        continue;
      }
      job = std::move(*next);
      m_queue.erase(next);
      m_busy.insert(job.to.owner);
    }
    const std::string owner = job.to.owner;
    const std::uint64_t seq = job.seq;
    try {
      deliver_one(std::move(job));
    } catch (const std::exception& e) {
      // The delivery log could not be written, say: this delivery is lost, the sandbox carries on.
      if (m_notify) {
        m_notify({util::Notice::Level::info, fmt::format("sandbox: a delivery failed: {}", e.what())});
      }
    }
    {
      std::lock_guard lock(m_mutex);
      m_delivered_seq = std::max(m_delivered_seq, seq);
      m_busy.erase(owner);
    }
    m_cv.notify_all();
  }
}

void Deliverer::deliver_one(Job job)
{
  const auto url = util::parse_url(job.to.subscription.consumer_url);
  deliver::Outgoing out;
  out.url = job.to.subscription.consumer_url;
  out.body = job.body;
  out.event_id = job.event_id;
  out.topic = job.topic;
  if (m_options.sign_standard && !job.to.secret.empty()) {
    signing::SchemeOptions so;
    so.name = "standard";
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
  m_store.log({job.to.owner, util::format_rfc3339(util::now()), job.to.subscription.id, job.event_id, job.topic,
               job.attempt, e.status, static_cast<double>(e.latency.count()) / 1000.0, e.error});
  // A retry waits in the queue, not here: one consumer that is down delays nobody else's deliveries.
  deliver::RetryPolicy policy;
  policy.retries = m_options.delivery_retries;
  policy.base = std::chrono::milliseconds(200);
  std::lock_guard lock(m_mutex);
  if (const auto wait = deliver::retry_wait(e, job.attempt, policy, m_random); wait && !m_stop) {
    ++job.attempt;
    job.after_seq = std::numeric_limits<std::uint64_t>::max(); // only its time releases it
    job.held_until = std::chrono::steady_clock::now() + *wait;
    m_queue.push_back(std::move(job));
  }
}

} // namespace acx::sandbox
