#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "acx/check/probe.hpp"

namespace acx::check {

enum class Level { required, recommended };
enum class Grade { pass, fail, warn, skip };
std::string_view name(Level level);
std::string_view name(Grade verdict);

// What one check concluded, and the requests it made to conclude it.
struct Outcome {
  Grade verdict = Grade::pass;
  std::string detail;
  std::vector<Sent> requests;
  std::string reproduce; // for a failure: a command that makes the same request(s)
};

// A check is data (its id, rule, level and source) and a small function that judges the receiver through a Probe.
// Adding one is adding an entry to checks() in checks.cpp.
struct Check {
  std::string_view id; // kebab-case, stable
  Level level;
  std::string_view rule;
  std::string_view source;
  // How many requests it makes at most, given the settings (said before the battery starts).
  std::function<std::size_t(const Settings&)> planned;
  std::function<Outcome(Probe&)> run;
};

// Every check, in the order they run.
const std::vector<Check>& checks();

struct Result {
  const Check* check;
  Outcome outcome;
};

// Runs the checks `selected` says to run, in order, calling `done` after each. Each check stops at its first
// timeout, so a receiver that never answers is judged in bounded time.
std::vector<Result> run(Probe& probe, const std::function<bool(const Check&)>& selected,
                        const std::function<void(const Result&)>& done);

} // namespace acx::check
