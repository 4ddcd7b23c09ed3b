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

Periodic::Periodic(std::string name, std::chrono::milliseconds every, std::function<void(std::stop_token)> turn)
    : m_name(std::move(name)), m_every(every), m_turn(std::move(turn))
{
}

void Periodic::start()
{
  m_thread = Thread(m_name, [this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      const auto began = std::chrono::steady_clock::now();
      m_turn(stop);
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
      if (took < m_every && pause(stop, m_every - took)) {
        return;
      }
    }
  });
}

void Periodic::stop()
{
  m_thread.request_stop();
  m_thread.join();
}

} // namespace acx::util
