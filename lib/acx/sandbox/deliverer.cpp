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
} // namespace

Deliverer::Deliverer(Store& store, const Options& o)
    : m_store(store), m_options(o), m_random(o.chaos_seed)
{
  m_thread = std::thread([this] { run(); });
}

Deliverer::~Deliverer()
{
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  m_thread.join();
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
  m_cv.notify_one();
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
      // The first job in arrival order that may go; otherwise wait for the soonest release or a new arrival.
      const auto now = std::chrono::steady_clock::now();
      auto next = std::find_if(m_queue.begin(), m_queue.end(), [&](const Job& j) { return ready(j, now); });
      if (next == m_queue.end()) {
        const auto soonest = std::min_element(m_queue.begin(), m_queue.end(), [](const Job& a, const Job& b) {
          return a.held_until < b.held_until;
        });
        const auto until = soonest->held_until; // a copy: the queue may change while this waits
        m_cv.wait_until(lock, until);
        continue;
      }
      job = std::move(*next);
      m_queue.erase(next);
    }
    try {
      deliver_one(std::move(job));
    } catch (const std::exception& e) {
      // The delivery log could not be written, say: this delivery is lost, the sandbox carries on.
      fmt::print(stderr, "acx: sandbox: a delivery failed: {}\n", e.what());
    }
    {
      std::lock_guard lock(m_mutex);
      m_delivered_seq = std::max(m_delivered_seq, job.seq);
    }
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
    m_store.log({job.to.owner, util::format_rfc3339(util::now()), job.to.subscription.id, job.event_id, job.topic, 1, 0, 0,
                 "the consumer URL is not a URL"});
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
    m_cv.notify_one();
  }
}

} // namespace acx::sandbox
