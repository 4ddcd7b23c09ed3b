#pragma once

#include <chrono>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace acx::util {

// What a command came to.
struct CommandResult {
  int exit_code = -1;       // -1 when it was killed or could not run
  std::string out;          // its standard output, up to 64 KiB, read until it exited
  bool timed_out = false;   // killed after the timeout
  bool abandoned = false;   // killed because the caller's stop token asked
  bool left_behind = false; // it exited, and processes it started were still running: they were killed
};

// How to run a command.
struct CommandSpec {
  std::string command;                                  // run with /bin/sh -c
  std::vector<std::pair<std::string, std::string>> env; // added to (or replacing in) the environment
  std::chrono::milliseconds timeout{60'000};
  std::string input; // on its standard input
};

// The environment variables acx treats as secret, one list: delivery, forward and relay secrets and tokens, the API
// key, PostgreSQL's password. Every command acx runs gets the environment without them.
const std::vector<std::string>& secret_variables();
// Whether NAME=VALUE carries a secret: one of secret_variables(), or ACX_JOURNAL naming a database with a password.
bool is_secret_variable(std::string_view name, std::string_view value);

// Runs a command in a process group of its own and judges it by its exit status: once the command exits, its
// output is no longer waited for, and whatever it started that still runs is killed with the group. After the
// timeout, or when `stop` is asked, the whole group is killed. Standard error goes to ours. Throws acx::Error (io)
// when it cannot be started.
CommandResult run_command(const CommandSpec& spec, std::stop_token stop = {});

} // namespace acx::util
