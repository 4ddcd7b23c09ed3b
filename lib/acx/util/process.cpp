#include "acx/util/process.hpp"

#include <algorithm>

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

extern "C" char** environ;

namespace acx::util {

CommandResult run_command(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout, const std::string& input)
{
  int out[2];
  int in[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    throw Error(ExitCode::io, fmt::format("cannot run a command: {}", std::strerror(errno)));
  }
  if (::pipe2(in, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw Error(ExitCode::io, fmt::format("cannot run a command: {}", std::strerror(errno)));
  }
  // The environment is built before fork: after it, in a process with threads, only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    const bool replaced = std::any_of(env.begin(), env.end(), [&](const auto& kv) {
      return entry.substr(0, eq) == kv.first;
    });
    if (!replaced) {
      env_strings.emplace_back(entry);
    }
  }
  for (const auto& [name, value] : env) {
    env_strings.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};

  const pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {out[0], out[1], in[0], in[1]}) {
      ::close(fd);
    }
    throw Error(ExitCode::io, fmt::format("cannot run a command: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // The child: its own process group (so a timeout kills what it started too), stdin and stdout the pipes.
    ::setpgid(0, 0);
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid); // also from here, so the group exists before any kill
  ::close(out[1]);
  ::close(in[0]);
  int to_child = in[1];
  ::fcntl(to_child, F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  if (input.empty()) {
    ::close(to_child);
    to_child = -1;
  }
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  bool reading = true;
  while (reading) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p[2] = {{out[0], POLLIN, 0}, {to_child, POLLOUT, 0}};
    const int ready = ::poll(p, to_child >= 0 ? 2 : 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      break;
    }
    if (ready <= 0) {
      continue;
    }
    if (to_child >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = ::write(to_child, input.data() + written, input.size() - written);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        written = input.size(); // the command does not read its input: fine
      }
      if (written >= input.size()) {
        ::close(to_child);
        to_child = -1;
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) {
        reading = false; // end of output: the command is done (or closed its stdout)
      } else if (result.out.size() < 64 * 1024) {
        result.out.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  if (to_child >= 0) {
    ::close(to_child);
  }
  ::close(out[0]);
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
