#pragma once

// The threads that run request handlers for http::Server. Internal to acx/http.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "acx/util/thread.hpp"

namespace acx::http::detail {

// A fixed number of workers taking tasks in order from a bounded queue. Handlers may block (the journal's group
// commit waits for fsync), so there are many more workers than cores; the network threads never wait for them.
class WorkerPool {
public:
  WorkerPool(std::size_t workers, std::size_t max_queued);
  // Runs what is queued to the end, then joins the workers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a task; false (and the task dropped) when max_queued tasks already wait: the server is saturated.
  bool try_submit(std::function<void()> task);

private:
  void work(std::stop_token stop);

  std::size_t m_max_queued;
  std::mutex m_mutex;
  std::condition_variable_any m_cv;
  std::deque<std::function<void()>> m_tasks;
  std::vector<util::Thread> m_threads;
};

} // namespace acx::http::detail
