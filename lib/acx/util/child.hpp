#pragma once

// A child process started with pipes as its stdin and stdout: what run_command and Coprocess share.

#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace acx::util {

// Closes a descriptor once.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept
  {
    if (this != &other) {
      reset();
      fd = std::exchange(other.fd, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  void reset();
};

// A process started: its pid, the write end of its stdin, the read end of its stdout (both non-blocking), and a pidfd
// that becomes readable when it exits (-1 on a kernel without pidfds).
struct Child {
  pid_t pid = -1;
  Fd input;
  Fd output;
  Fd exited;
};

// What to start: a program by path, its argv (argv[0] included), variables added to (or replacing in) the
// environment, which otherwise is ours without the secret variables.
struct Launch {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
};

// Forks and execs `launch` in a process group of its own (killing the group reaches what it started), signals as a
// fresh process has them, standard error ours. Throws acx::Error (io).
Child spawn(const Launch& launch);

// Whether the process exited (it stays to be reaped).
bool has_exited(pid_t pid);

} // namespace acx::util
