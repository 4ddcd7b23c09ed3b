#pragma once

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "acx/http/server.hpp"
#include "acx/util/thread.hpp"

namespace acx::http {

// Why a server stopped; the first reason wins.
enum class Stop { none, signal, timeout, done };

// The one lifetime of acx's servers (listen, sandbox, inspect): start, say where, write the ready file, wait for a
// reason to stop, stop. Make it before any other thread starts: it blocks SIGINT and SIGTERM (and SIGHUP when
// `hangup`) in the calling thread, so every thread started afterwards inherits the mask and only the runner's own
// thread takes them; SIGPIPE is ignored.
class Runner {
public:
  explicit Runner(bool hangup = false);
  // Joins the signal thread.
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  struct Options {
    std::string ready_file; // "host:port\n" written here once the server answers
    std::optional<std::chrono::milliseconds> timeout;
    std::function<void()> on_hangup;    // on SIGHUP (with `hangup`), on the waiting thread
    std::function<void()> every_second; // housekeeping, on the waiting thread
    std::function<void()> before_stop;  // ends long requests (live pages) so that stopping need not wait for them
  };

  // Starts `server`, calls `started` with its port (to say where it listens), writes the ready file, then waits for
  // SIGINT/SIGTERM, the timeout or finish(), and stops the server (on every way out, exceptions included). Returns
  // why it stopped. Throws what starting, the ready file or a hook throws.
  Stop run(Server& server, const std::string& host, const Options& options,
           const std::function<void(int port)>& started);

  // From any thread, before or during run(): run() returns Stop::done (unless it has another reason already).
  void finish() { request(Stop::done); }
  // From any thread, during run(): what SIGHUP does (with `hangup`).
  void hangup();

private:
  void request(Stop why);

  sigset_t m_signals{};
  std::mutex m_mutex;
  std::condition_variable m_cv;
  Stop m_why = Stop::none;
  bool m_hangup_pending = false;
  util::Thread m_signal_thread;
};

} // namespace acx::http
