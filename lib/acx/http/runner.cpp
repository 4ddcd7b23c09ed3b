#include "acx/http/runner.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <utility>

#include "acx/util/notify.hpp"
#include "acx/util/service.hpp"

namespace acx::http {

Runner::Runner(bool hangup)
{
  m_signals = util::block_stop_signals();
  if (hangup) {
    sigaddset(&m_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &m_signals, nullptr);
  }
  m_signal_thread = util::Thread("acx-signals", [this] {
    int sig = 0;
    while (sigwait(&m_signals, &sig) == 0 && sig == SIGHUP) {
      this->hangup();
    }
    request(Stop::signal);
  });
}

Runner::~Runner()
{
  // Wakes sigwait if no signal came (the mask holds SIGTERM for it); harmless if one did and the thread is done.
  pthread_kill(m_signal_thread.native_handle(), SIGTERM);
  m_signal_thread.join();
}

void Runner::hangup()
{
  {
    std::lock_guard lock(m_mutex);
    m_hangup_pending = true;
  }
  m_cv.notify_all();
}

void Runner::request(Stop why)
{
  {
    std::lock_guard lock(m_mutex);
    if (m_why == Stop::none) {
      m_why = why;
    }
  }
  m_cv.notify_all();
}

Stop Runner::run(Server& server, const std::string& host, const Options& o,
                 const std::function<void(int port)>& started)
{
  struct StopServer {
    Server& server;
    const std::function<void()>& before;
    ~StopServer()
    {
      util::notify_service_manager("STOPPING=1");
      if (before) {
        before();
      }
      server.stop();
    }
  } stop_server{server, o.before_stop};
  const int port = server.start();
  if (started) {
    started(port);
  }
  if (!o.ready_file.empty()) {
    util::write_ready_file(o.ready_file, fmt::format("{}:{}", host, port));
  }
  util::notify_service_manager(fmt::format("READY=1\nSTATUS=serving on {}:{}", host, port));
  using Clock = std::chrono::steady_clock;
  const auto deadline = o.timeout ? Clock::now() + *o.timeout : Clock::time_point::max();
  for (;;) {
    bool hangup = false;
    {
      std::unique_lock lock(m_mutex);
      const auto until = std::min(deadline, Clock::now() + std::chrono::seconds(1));
      m_cv.wait_until(lock, until, [this] { return m_why != Stop::none || m_hangup_pending; });
      if (m_why == Stop::none && Clock::now() >= deadline) {
        m_why = Stop::timeout;
      }
      if (m_why != Stop::none) {
        return m_why; // the server stops on the way out
      }
      hangup = std::exchange(m_hangup_pending, false);
    }
    if (hangup && o.on_hangup) {
      // systemd (Type=notify-reload, and `systemctl reload` of Type=notify) waits for READY=1 after RELOADING=1.
      const auto now =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch());
      util::notify_service_manager(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", now.count()));
      o.on_hangup();
      util::notify_service_manager("READY=1");
    }
    if (o.every_second) {
      o.every_second();
    }
  }
}

} // namespace acx::http
