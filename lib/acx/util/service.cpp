#include "acx/util/service.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <pthread.h>

#include "acx/util/error.hpp"
#include "acx/util/io.hpp"

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

void write_ready_file(const std::string& path, const std::string& address)
{
  write_private_file(path, address + "\n", "the ready file");
}

} // namespace acx::util
