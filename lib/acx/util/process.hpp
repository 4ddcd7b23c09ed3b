#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace acx::util {

// What a command came to.
struct CommandResult {
  int exit_code = -1;     // -1 when it was killed or could not run
  std::string out;        // its standard output, up to 64 KiB
  bool timed_out = false; // killed after the timeout
};

// Runs `command` with /bin/sh -c, with `env` added to the environment and `input` on its standard input, and waits
// for it at most `timeout` (then kills its process group). Standard error goes to ours. Throws acx::Error (io) when
// it cannot be started.
CommandResult run_command(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout, const std::string& input = {});

} // namespace acx::util
