#include "acx/util/process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acx/util/error.hpp"

extern "C" char** environ;

namespace acx::util {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t k_max_output = 64 * 1024;

// Closes a descriptor once.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset()
  {
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
  }
};

Error cannot_run()
{
  return Error(ExitCode::io, fmt::format("cannot run a command: {}", std::strerror(errno)));
}

// The environment for the child, built before fork: after it, in a process with threads, only async-signal-safe
// calls are allowed.
std::vector<std::string> child_environment(const CommandSpec& spec)
{
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    const auto named = [name](const auto& n) { return name == n; };
    if (std::none_of(spec.env.begin(), spec.env.end(), [&](const auto& kv) { return named(kv.first); }) &&
        std::none_of(spec.unset.begin(), spec.unset.end(), named)) {
      out.emplace_back(entry);
    }
  }
  for (const auto& [name, value] : spec.env) {
    out.push_back(name + "=" + value);
  }
  return out;
}

bool has_exited(pid_t pid)
{
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

} // namespace

CommandResult run_command(const CommandSpec& spec, std::stop_token stop)
{
  int out_pipe[2];
  int in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    throw cannot_run();
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    throw cannot_run();
  }
  Fd in_read(in_pipe[0]), in_write(in_pipe[1]);
  Fd stop_event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  std::vector<std::string> env_strings = child_environment(spec);
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  const char* argv[] = {"sh", "-c", spec.command.c_str(), nullptr};

  const pid_t pid = ::fork();
  if (pid < 0) {
    throw cannot_run();
  }
  if (pid == 0) {
    // The child: its own process group (so that killing the group reaches what it started), the pipes as stdin and
    // stdout, signals as a fresh process has them.
    ::setpgid(0, 0);
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid); // also from here, so the group exists before any kill
  out_write.reset();
  in_read.reset();
  Fd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))); // readable once the command exits
  std::stop_callback on_stop(stop, [fd = stop_event.fd] {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
  });
  ::fcntl(in_write.fd, F_SETFL, O_NONBLOCK);
  ::fcntl(out_read.fd, F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  if (spec.input.empty()) {
    in_write.reset();
  }

  CommandResult result;
  const auto deadline = Clock::now() + spec.timeout;
  char buf[4096];
  const auto read_output = [&] {
    for (;;) {
      const ssize_t n = ::read(out_read.fd, buf, sizeof buf);
      if (n <= 0) {
        if (n == 0) {
          out_read.reset(); // end of output: only the exit is left to wait for
        }
        return;
      }
      if (result.out.size() < k_max_output) {
        result.out.append(buf, std::min(static_cast<std::size_t>(n), k_max_output - result.out.size()));
      }
    }
  };
  bool done = false;
  while (!done) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (stop.stop_requested()) {
      result.abandoned = true;
      break;
    }
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p[4] = {{stop_event.fd, POLLIN, 0}, {exited.fd, POLLIN, 0}, {out_read.fd, POLLIN, 0},
                   {in_write.fd, POLLOUT, 0}};
    // Without a pidfd (an old kernel) the exit is looked for every 10 ms.
    const int wait_ms = static_cast<int>(std::min<std::int64_t>(left.count(), exited.fd < 0 ? 10 : 1000));
    const int ready = ::poll(p, 4, wait_ms);
    if (ready < 0 && errno != EINTR) {
      break;
    }
    if (p[3].revents & (POLLOUT | POLLERR | POLLHUP)) {
      const ssize_t n = ::write(in_write.fd, spec.input.data() + written, spec.input.size() - written);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      }
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written >= spec.input.size()) {
        in_write.reset(); // all written, or the command does not read its input: fine
      }
    }
    if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      read_output();
    }
    if (has_exited(pid)) {
      read_output(); // what it wrote before it exited; nothing more is waited for
      done = true;
    }
  }
  in_write.reset();
  out_read.reset();
  if (!done) {
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // What it started and left running: its group is not empty without it.
  if (done && ::kill(-pid, SIGKILL) == 0) {
    result.left_behind = true;
  }
  result.exit_code = done && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

} // namespace acx::util
