#pragma once

// Ctrl-C (SIGINT) and SIGTERM as a stop request, for commands that must report what they did before they exit
// (acx check, acx send's load mode): the signals are blocked from construction on (in every thread started after it)
// and taken by a thread of its own, which requests the stop. Exit 128 + the signal, as a shell reports it: 130 for
// Ctrl-C, 143 for SIGTERM.
#include <atomic>
#include <csignal>
#include <stop_token>
#include <thread>

#include "acx/util/service.hpp"

namespace acx::cli {

class Interrupt {
public:
  Interrupt() : m_signals(util::block_stop_signals())
  {
    m_waiter = std::jthread([this](std::stop_token mine) {
      const timespec tick{0, 100'000'000};
      while (!mine.stop_requested()) {
        if (const int signal = ::sigtimedwait(&m_signals, nullptr, &tick); signal > 0) {
          m_signal = signal;
          m_source.request_stop();
          return;
        }
      }
    });
  }
  std::stop_token token() const { return m_source.get_token(); }
  bool asked() const { return m_source.stop_requested(); }
  // 130 after Ctrl-C, 143 after SIGTERM; 0 when neither came.
  int exit_code() const { return asked() ? 128 + m_signal.load() : 0; }

private:
  sigset_t m_signals;
  std::stop_source m_source;
  std::atomic<int> m_signal{0};
  std::jthread m_waiter;
};

} // namespace acx::cli
