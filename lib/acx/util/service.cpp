#include "acx/util/service.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <pthread.h>

#include "acx/util/error.hpp"

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
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  const bool written = f && std::fputs((address + "\n").c_str(), f) >= 0;
  if (f && std::fclose(f) != 0) {
    throw Error(ExitCode::io, fmt::format("cannot write the ready file {}", path));
  }
  std::error_code ec;
  if (written) {
    std::filesystem::rename(tmp, path, ec);
  }
  if (!written || ec) {
    throw Error(ExitCode::io, fmt::format("cannot write the ready file {}{}", path, ec ? ": " + ec.message() : ""));
  }
}

} // namespace acx::util
