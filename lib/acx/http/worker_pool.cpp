#include "acx/http/worker_pool.hpp"

#include <thread>

namespace acx::http::detail {

WorkerPool::WorkerPool(std::size_t min, std::size_t max) : m_state(std::make_shared<State>())
{
  m_state->min = std::max<std::size_t>(1, min);
  m_state->max = std::max(m_state->min, max);
  std::lock_guard lock(m_state->mutex);
  for (std::size_t i = 0; i < m_state->min; ++i) {
    start_worker(m_state);
  }
}

WorkerPool::~WorkerPool()
{
  shutdown();
}

void WorkerPool::start_worker(const std::shared_ptr<State>& state)
{
  ++state->live;
  std::thread([state] { work(state); }).detach();
}

void WorkerPool::enqueue(std::function<void()> task)
{
  std::lock_guard lock(m_state->mutex);
  m_state->tasks.push_back(std::move(task));
  if (m_state->idle < m_state->tasks.size() && m_state->live < m_state->max) {
    start_worker(m_state);
  }
  m_state->work_cv.notify_one();
}

void WorkerPool::shutdown()
{
  std::unique_lock lock(m_state->mutex);
  m_state->shutdown = true;
  m_state->work_cv.notify_all();
  m_state->done_cv.wait(lock, [this] { return m_state->live == 0; });
}

void WorkerPool::work(std::shared_ptr<State> state)
{
  std::unique_lock lock(state->mutex);
  for (;;) {
    ++state->idle;
    const bool woke = state->work_cv.wait_for(lock, std::chrono::seconds(5),
                                              [&] { return state->shutdown || !state->tasks.empty(); });
    --state->idle;
    if (state->tasks.empty()) {
      if (state->shutdown || (!woke && state->live > state->min)) {
        break;
      }
      continue;
    }
    auto task = std::move(state->tasks.front());
    state->tasks.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
  --state->live;
  state->done_cv.notify_all();
}

} // namespace acx::http::detail
