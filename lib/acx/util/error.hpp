#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace acx {

// Process exit codes: the one list. exit_codes() describes each; the help footer is made from it and a unit test
// holds README.md's table ("Exit codes") to it.
enum class ExitCode : int {
  ok = 0,            // the command did what was asked
  failed = 1,        // the check ran and said no (signature not verified, event not accepted)
  usage = 2,         // bad flags or arguments
  bad_input = 3,     // an input file or body could not be read or is not what was expected
  io = 4,            // a file, journal or config could not be written or opened
  network = 5,       // could not bind, connect or reach the other side
  timeout = 6,       // what was waited for did not happen in time
  internal = 70,     // a bug in acx
  interrupted = 130, // Ctrl-C where the work cannot simply stop (acx check, send's load mode: a report of what ran)
  terminated = 143,  // SIGTERM, likewise
};

// What an exit code means: its number, a short name (the help footer) and the sentence README.md's table gives.
struct ExitCodeInfo {
  ExitCode code;
  const char* name;
  const char* meaning;
};

inline const std::vector<ExitCodeInfo>& exit_codes()
{
  static const std::vector<ExitCodeInfo> all{
      {ExitCode::ok, "ok", "ok"},
      {ExitCode::failed, "check failed", "the check ran and said no (signature not verified)"},
      {ExitCode::usage, "usage", "usage: a bad flag or argument (the message names it)"},
      {ExitCode::bad_input, "bad input", "bad input: a file or body could not be read or is not what was expected"},
      {ExitCode::io, "I/O",
       "I/O: a journal, config or file could not be opened or written (locked, read-only, full, corrupt)"},
      {ExitCode::network, "network", "network: could not bind (port in use), connect or reach the other side"},
      {ExitCode::timeout, "timeout",
       "timeout: what was waited for did not come in time (`listen --count N --timeout DUR`)"},
      {ExitCode::internal, "internal error", "internal error (a bug: please report it)"},
      {ExitCode::interrupted, "interrupted",
       "interrupted by Ctrl-C (`check`, `send`'s load mode: after printing the report of what ran)"},
      {ExitCode::terminated, "terminated", "stopped by SIGTERM, as 130 otherwise"},
  };
  return all;
}

// An unexpected failure: caught once in main, printed as "acx: error: <what>", exits with code().
class Error : public std::runtime_error {
public:
  Error(ExitCode code, const std::string& what) : std::runtime_error(what), m_code(code) {}
  ExitCode code() const { return m_code; }

private:
  ExitCode m_code;
};

} // namespace acx
