#include "acx/util/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "acx/util/error.hpp"

namespace acx::util {

CommandResult run_command(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout)
{
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(ExitCode::io, fmt::format("cannot run a command: {}", std::strerror(errno)));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(ExitCode::io, fmt::format("cannot run a command: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // The child: its own process group (so a timeout kills what it started too), stdout to the pipe.
    ::setpgid(0, 0);
    ::dup2(fds[1], STDOUT_FILENO);
    for (const auto& [name, value] : env) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      break;
    }
    if (ready <= 0) {
      continue;
    }
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) {
      break; // end of output: the command is done (or closed its stdout)
    }
    if (result.out.size() < 64 * 1024) {
      result.out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fds[0]);
  // Its output is done; the command itself gets what is left of the timeout to exit.
  if (result.timed_out) {
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) {
      break;
    }
    if (!result.timed_out && std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
    }
    ::usleep(10'000); // polling for the exit: no signal tells this thread
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

} // namespace acx::util
