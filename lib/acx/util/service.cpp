#include "acx/util/service.hpp"

#include <algorithm>
#include <mutex>

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <pthread.h>

#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/thread.hpp"

namespace acx::util {

sigset_t block_stop_signals()
{
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

void run_on_threads(std::size_t threads, const std::function<void()>& work)
{
  std::vector<Thread> others;
  for (std::size_t t = 1; t < std::max<std::size_t>(1, threads); ++t) {
    others.emplace_back("acx-parallel", work, [](std::exception_ptr) {});
  }
  std::exception_ptr first;
  try {
    work();
  } catch (...) {
    first = std::current_exception();
  }
  for (auto& t : others) {
    try {
      t.join(); // rethrows what that thread's work threw
    } catch (...) {
      if (!first) {
        first = std::current_exception();
      }
    }
  }
  if (first) {
    std::rethrow_exception(first);
  }
}

void write_ready_file(const std::string& path, const std::string& address)
{
  write_private_file(path, address + "\n", "the ready file");
}

} // namespace acx::util
