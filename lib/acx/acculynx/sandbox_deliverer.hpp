#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "acx/acculynx/sandbox.hpp"
#include "acx/acculynx/sandbox_store.hpp"

namespace acx::acculynx {

// Delivers queued events to consumer URLs, as AccuLynx would: POST, token in the URL, 10 s timeout, retries with
// backoff; every attempt logged in the store. With --chaos some deliveries go twice and each is held back a random
// 0-400 ms (so close events arrive out of order); with --sign standard each is signed with the subscription's secret.
class Deliverer {
public:
  Deliverer(SandboxStore& store, const SandboxOptions& options);
  // Delivers what is queued, then stops.
  ~Deliverer();

  void enqueue(const StoredSubscription& s, std::string body, std::string event_id, std::string topic);

private:
  struct Job {
    StoredSubscription subscription;
    std::string body;
    std::string event_id;
    std::string topic;
    std::chrono::steady_clock::time_point due;
  };

  std::chrono::milliseconds chaos_delay();
  void run();
  void deliver_one(const Job& job);

  SandboxStore& m_store;
  const SandboxOptions& m_options;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<Job> m_queue;
  bool m_stop = false;
  std::mt19937_64 m_random{std::random_device{}()};
  std::thread m_thread;
};

// The event a subscription receives for `topic`: the topic's fixture with a fresh eventId and time, the
// subscription's id, and any --set edits. Returns the body and the eventId.
std::pair<std::string, std::string> make_event(const std::string& topic, const std::string& subscription_id,
                                               const std::vector<std::string>& assignments);

} // namespace acx::acculynx
