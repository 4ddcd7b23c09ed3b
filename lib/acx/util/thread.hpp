#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>

namespace acx::util {

// The one way acx starts a thread. It is named (as top, gdb and TSan reports show it), and an exception its work
// throws reaches the owner instead of ending the process: it is kept, `failed` is called with it on that thread (the
// owner stops its service there, e.g. http::Runner::finish), and join() rethrows it on the owner's error path.
// Without `failed`, an escaping exception ends the process (std::terminate), as for std::thread: for threads whose
// work cannot throw. Work that waits takes a std::stop_token: request_stop() ends its waits
// (std::condition_variable_any waits with the token), the one way a waiting thread of acx is told to stop.
class Thread {
public:
  using Failed = std::function<void(std::exception_ptr)>;

  Thread() = default;
  // `name`: at most 15 characters (the kernel's limit).
  Thread(std::string name, std::function<void()> work, Failed failed = {});
  Thread(std::string name, std::function<void(std::stop_token)> work, Failed failed = {});
  Thread(Thread&&) noexcept = default;
  Thread& operator=(Thread&& other) noexcept;
  // Joins; a failure join() did not rethrow was given to `failed` already.
  ~Thread();

  // Asks the work to stop: its stop token says so, and the waits that take it end.
  void request_stop() { m_stop.request_stop(); }
  // Waits for the work to end, then rethrows what it threw (once).
  void join();
  // Waits for the work to end; what it threw went to `failed`.
  void wait();
  bool joinable() const { return m_thread.joinable(); }
  std::thread::native_handle_type native_handle() { return m_thread.native_handle(); }

private:
  Thread(std::string name, std::function<void()> work, Failed failed, std::function<void(std::stop_token)> stoppable);

  std::unique_ptr<std::exception_ptr> m_failure; // written by the thread before it ends, read after join
  std::stop_source m_stop;
  std::thread m_thread;
};

// Waits `duration`, or less when `stop` is requested: true when it was (a thread's pause between rounds of its work).
bool pause(std::stop_token stop, std::chrono::milliseconds duration);

// Work done on a thread of its own at start() and then every `every` from the start of the last turn (at once when a
// turn took longer), until stop() or destruction: the shape of the listener's background parts (retention, the
// subscription watch, reconciliation, the canary). A turn is told to stop through its token.
class Periodic {
public:
  Periodic(std::string name, std::chrono::milliseconds every, std::function<void(std::stop_token)> turn);
  ~Periodic() { stop(); }
  void start();
  void stop();

private:
  std::string m_name;
  std::chrono::milliseconds m_every;
  std::function<void(std::stop_token)> m_turn;
  Thread m_thread;
};

} // namespace acx::util
