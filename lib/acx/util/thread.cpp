#include "acx/util/thread.hpp"

#include <condition_variable>
#include <mutex>
#include <pthread.h>
#include <utility>

namespace acx::util {

Thread::Thread(std::string name, std::function<void()> work, Failed failed)
    : Thread(std::move(name), std::move(work), std::move(failed), {})
{
}

Thread::Thread(std::string name, std::function<void()> work, Failed failed,
               std::function<void(std::stop_token)> stoppable)
    : m_failure(std::make_unique<std::exception_ptr>())
{
  if (stoppable) {
    work = [stoppable = std::move(stoppable), token = m_stop.get_token()] { stoppable(token); };
  }
  m_thread = std::thread(
      [name = std::move(name), work = std::move(work), failed = std::move(failed), failure = m_failure.get()] {
        pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
        if (!failed) {
          work();
          return;
        }
        try {
          work();
        } catch (...) {
          *failure = std::current_exception();
          failed(*failure);
        }
      });
}

Thread::Thread(std::string name, std::function<void(std::stop_token)> work, Failed failed)
    : Thread(std::move(name), std::function<void()>(), std::move(failed), std::move(work))
{
}

Thread& Thread::operator=(Thread&& other) noexcept
{
  if (this != &other) {
    if (m_thread.joinable()) {
      m_thread.join();
    }
    m_thread = std::move(other.m_thread);
    m_failure = std::move(other.m_failure);
    m_stop = std::move(other.m_stop);
  }
  return *this;
}

Thread::~Thread()
{
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void Thread::join()
{
  if (m_thread.joinable()) {
    m_thread.join();
  }
  if (m_failure && *m_failure) {
    std::rethrow_exception(std::exchange(*m_failure, nullptr));
  }
}

void Thread::wait()
{
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

bool pause(std::stop_token stop, std::chrono::milliseconds duration)
{
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  cv.wait_for(lock, stop, duration, [] { return false; });
  return stop.stop_requested();
}

} // namespace acx::util
