#pragma once

// A task queue for cpp-httplib whose workers grow on demand. Internal to acx/http.

#include <condition_variable>
#include <deque>
#include <functional>
#include <httplib.h>
#include <memory>
#include <mutex>

namespace acx::http::detail {

// Starts `min` workers; when a task arrives and no worker is idle, starts another, up to `max`. Workers above `min`
// exit after a few seconds without work. Tasks beyond `max` busy workers wait in order. shutdown() runs the queued
// tasks to the end and waits for every worker.
class WorkerPool final : public httplib::TaskQueue {
public:
  WorkerPool(std::size_t min, std::size_t max);
  ~WorkerPool() override;

  void enqueue(std::function<void()> task) override;
  void shutdown() override;

private:
  // Shared with the (detached) workers, so the last of them can still unlock it while the pool is destroyed.
  struct State {
    std::size_t min = 1;
    std::size_t max = 1;
    std::mutex mutex;
    std::condition_variable work_cv;
    std::condition_variable done_cv;
    std::deque<std::function<void()>> tasks;
    std::size_t live = 0;
    std::size_t idle = 0;
    bool shutdown = false;
  };

  static void start_worker(const std::shared_ptr<State>& state); // with state->mutex held
  static void work(std::shared_ptr<State> state);

  std::shared_ptr<State> m_state;
};

} // namespace acx::http::detail
