#include "acx/util/process.hpp"
#include "acx/util/child.hpp"
#include "acx/util/url.hpp"

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

Error cannot_run()
{
  return Error(ExitCode::io, fmt::format("cannot run a command: {}", std::strerror(errno)));
}

} // namespace

const std::vector<std::string>& secret_variables()
{
  static const std::vector<std::string> names{"ACX_SECRET",  "ACX_PREVIOUS_SECRET", "ACX_FORWARD_SECRET",
                                              "ACX_API_KEY", "ACX_RELAY_TOKEN",     "PGPASSWORD"};
  return names;
}

bool is_secret_variable(std::string_view name, std::string_view value)
{
  const auto& names = secret_variables();
  return std::find(names.begin(), names.end(), name) != names.end() ||
         (name == "ACX_JOURNAL" && redact_url(value) != value);
}

namespace {

// The environment for the child, built before fork: after it, in a process with threads, only async-signal-safe
// calls are allowed.
std::vector<std::string> child_environment(const std::vector<std::pair<std::string, std::string>>& env)
{
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    const bool replaced = std::any_of(env.begin(), env.end(), [&](const auto& kv) { return name == kv.first; });
    if (!replaced && !is_secret_variable(name, entry.substr(std::min(entry.size(), name.size() + 1)))) {
      out.emplace_back(entry);
    }
  }
  for (const auto& [name, value] : env) {
    out.push_back(name + "=" + value);
  }
  return out;
}

} // namespace

void Fd::reset()
{
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

bool has_exited(pid_t pid)
{
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

Child spawn(const Launch& launch)
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
  // Built before fork: after it, in a process with threads, only async-signal-safe calls are allowed.
  std::vector<std::string> env_strings = child_environment(launch.env);
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> args = launch.argv;
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    throw cannot_run();
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(launch.path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid); // also from here, so the group exists before any kill
  ::fcntl(in_write.fd, F_SETFL, O_NONBLOCK);
  ::fcntl(out_read.fd, F_SETFL, O_NONBLOCK);
  Child child;
  child.pid = pid;
  child.input = std::move(in_write);
  child.output = std::move(out_read);
  child.exited = Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  return child;
}

namespace {

// Reads what the command wrote so far, keeping at most k_max_output bytes; closes the pipe at its end.
void read_output(Child& child, std::string& out)
{
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(child.output.fd, buf, sizeof buf);
    if (n <= 0) {
      if (n == 0) {
        child.output.reset(); // end of output: only the exit is left to wait for
      }
      return;
    }
    if (out.size() < k_max_output) {
      out.append(buf, std::min(static_cast<std::size_t>(n), k_max_output - out.size()));
    }
  }
}

// Feeds the input and reads the output until the command exits (true), the deadline passes or `stop` is asked.
bool converse(Child& child, const CommandSpec& spec, int stop_event, std::stop_token stop, CommandResult& result)
{
  const auto deadline = Clock::now() + spec.timeout;
  std::size_t written = 0;
  if (spec.input.empty()) {
    child.input.reset();
  }
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (stop.stop_requested()) {
      result.abandoned = true;
      return false;
    }
    if (left.count() <= 0) {
      result.timed_out = true;
      return false;
    }
    pollfd p[4] = {{stop_event, POLLIN, 0},
                   {child.exited.fd, POLLIN, 0},
                   {child.output.fd, POLLIN, 0},
                   {child.input.fd, POLLOUT, 0}};
    // Without a pidfd (an old kernel) the exit is looked for every 10 ms.
    const int wait_ms = static_cast<int>(std::min<std::int64_t>(left.count(), child.exited.fd < 0 ? 10 : 1000));
    if (::poll(p, 4, wait_ms) < 0 && errno != EINTR) {
      return false;
    }
    if (p[3].revents & (POLLOUT | POLLERR | POLLHUP)) {
      const ssize_t n = ::write(child.input.fd, spec.input.data() + written, spec.input.size() - written);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      }
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written >= spec.input.size()) {
        child.input.reset(); // all written, or the command does not read its input: fine
      }
    }
    if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      read_output(child, result.out);
    }
    if (has_exited(child.pid)) {
      read_output(child, result.out); // what it wrote before it exited; nothing more is waited for
      return true;
    }
  }
}

} // namespace

CommandResult run_command(const CommandSpec& spec, std::stop_token stop)
{
  Fd stop_event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  Child child = spawn({"/bin/sh", {"sh", "-c", spec.command}, spec.env});
  std::stop_callback on_stop(stop, [fd = stop_event.fd] {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
  });
  CommandResult result;
  const bool done = converse(child, spec, stop_event.fd, stop, result);
  child.input.reset();
  child.output.reset();
  if (!done) {
    ::kill(-child.pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  // What it started and left running: its group is not empty without it.
  if (done && ::kill(-child.pid, SIGKILL) == 0) {
    result.left_behind = true;
  }
  result.exit_code = done && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

} // namespace acx::util
