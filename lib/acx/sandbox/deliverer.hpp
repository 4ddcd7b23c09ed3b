#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "acx/sandbox/options.hpp"
#include "acx/sandbox/queue.hpp"
#include "acx/sandbox/store.hpp"
#include "acx/util/notice.hpp"
#include "acx/util/thread.hpp"

namespace acx::sandbox {

// Delivers queued events to consumer URLs, as AccuLynx would: POST, token in the URL, 10 s for the whole exchange,
// retries with backoff; every attempt logged in the store. Tenants (API keys) are independent: each tenant's events go
// one at a time, several tenants at once, so one tenant's slow consumer delays no other tenant. With --chaos some
// deliveries go twice and some are held back until one to three later events have been delivered (or k_hold_limit has
// passed), so events arrive out of order; with --drop a share of deliveries is silently lost (logged as dropped,
// never sent); the choices come from --seed, so a run can be repeated. A delivery still failing --give-up-after its
// first attempt is given up. With --sign standard each delivery is signed with the subscription's secret.
class Deliverer {
public:
  Deliverer(Store& store, const Options& options, util::Notify notify = {});
  // Delivers what is queued, then stops.
  ~Deliverer();

  void enqueue(const Stored& s, std::string body, std::string event_id, std::string topic);

private:
  using Job = Queue::Job;

  void run(std::stop_token stop);
  void deliver_one(Job job, std::stop_token stop);

  Store& m_store;
  const Options& m_options;
  util::Notify m_notify;
  std::mutex m_mutex;
  std::condition_variable_any m_cv; // a job arrived or a tenant is free (m_changes), or a stop
  Queue m_queue;
  std::uint64_t m_changes = 0;
  std::mt19937_64 m_random; // retry jitter
  std::mt19937_64 m_drops;  // --drop's choices, one per delivery in the order they are queued
  std::vector<util::Thread> m_threads;
};

} // namespace acx::sandbox
