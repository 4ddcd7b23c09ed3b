#include "acx/http/worker_pool.hpp"

namespace acx::http::detail {

WorkerPool::WorkerPool(std::size_t workers, std::size_t max_queued) : m_max_queued(max_queued)
{
  m_threads.reserve(workers);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, workers); ++i) {
    m_threads.emplace_back("acx-worker", [this](std::stop_token stop) { work(stop); });
  }
}

WorkerPool::~WorkerPool()
{
  for (auto& t : m_threads) {
    t.request_stop(); // each takes what is queued, then ends
  }
  for (auto& t : m_threads) {
    t.join();
  }
}

bool WorkerPool::try_submit(std::function<void()> task)
{
  {
    std::lock_guard lock(m_mutex);
    if (m_tasks.size() >= m_max_queued) {
      return false;
    }
    m_tasks.push_back(std::move(task));
  }
  m_cv.notify_one();
  return true;
}

void WorkerPool::work(std::stop_token stop)
{
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, stop, [this] { return !m_tasks.empty(); });
      if (m_tasks.empty()) { // stopped, and nothing left
        return;
      }
      task = std::move(m_tasks.front());
      m_tasks.pop_front();
    }
    task();
  }
}

} // namespace acx::http::detail
