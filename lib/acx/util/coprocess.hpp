#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "acx/util/child.hpp"

namespace acx::util {

// A program kept running beside acx and asked one thing at a time over its stdin and stdout. Each message is a frame:
// its length in 4 bytes (host order), then its bytes. A program started reads the greeting first and answers it with
// a frame of its own once it is ready (within a minute). An answer that does not come within the timeout, or a stop
// request, kills the program (its whole group); the next question starts it again. Not thread-safe: one per thread.
class Coprocess {
public:
  struct Answer {
    enum class Ended { answered, timed_out, abandoned, died };
    Ended ended = Ended::died;
    std::string message; // with answered
    std::string why;     // otherwise: "exited with 3", "killed by signal 9", "answered 80 MiB, over 16 MiB"
  };

  // `greeting` is the first frame each start of the program reads; answers over `max_answer` bytes count as died.
  Coprocess(Launch launch, std::string greeting, std::size_t max_answer);
  // Closes its stdin, kills it and reaps it.
  ~Coprocess();
  Coprocess(const Coprocess&) = delete;
  Coprocess& operator=(const Coprocess&) = delete;

  // Throws acx::Error (io) when the program cannot be started.
  Answer ask(std::string_view message, std::chrono::milliseconds timeout, std::stop_token stop = {});

private:
  void end();
  Answer exchange(const std::string& out, std::chrono::milliseconds timeout, std::stop_token stop);
  Launch m_launch;
  std::string m_greeting;
  std::size_t m_max;
  Child m_child;
};

// The program's side: blocking reads and writes of frames on a descriptor. read_frame: nullopt at the end of the
// input (or a frame longer than `max`, or a read error); write_frame: false when it could not be written.
std::optional<std::string> read_frame(int fd, std::size_t max);
bool write_frame(int fd, std::string_view message);

} // namespace acx::util
