#pragma once

#include <stdexcept>
#include <string>

namespace acx {

// Process exit codes: the one list, mirrored in README.md ("Exit codes").
enum class ExitCode : int {
  ok = 0,        // the command did what was asked
  failed = 1,    // the check ran and said no (signature not verified, event not accepted)
  usage = 2,     // bad flags or arguments
  bad_input = 3, // an input file or body could not be read or is not what was expected
  io = 4,        // a file, journal or config could not be written or opened
  network = 5,   // could not bind, connect or reach the other side
  timeout = 6,   // what was waited for did not happen in time
  internal = 70, // a bug in acx
};

// An unexpected failure: caught once in main, printed as "acx: error: <what>", exits with code().
class Error : public std::runtime_error {
public:
  Error(ExitCode code, const std::string& what) : std::runtime_error(what), m_code(code) {}
  ExitCode code() const { return m_code; }

private:
  ExitCode m_code;
};

} // namespace acx
