#pragma once

#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "acx/check/probe.hpp"

namespace acx::check {

enum class Level { required, recommended };
// skip: the check does not apply (the scheme carries no timestamp, say); inconclusive: it ran, but what came back
// cannot tell (valid deliveries were refused as well); not_run: the receiver stopped answering, or Ctrl-C.
enum class Grade { pass, fail, warn, skip, inconclusive, not_run };
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
  std::string_view rule; // "{timeout}" stands for the --timeout in force (rule_text)
  std::string_view source;
  // How many requests it makes at most, given the settings (said before the battery starts).
  std::function<std::size_t(const Settings&)> planned;
  std::function<Outcome(Probe&)> run;
  // Whether its verdict means anything only when valid deliveries are accepted (almost all: a receiver that refuses
  // everything refuses the bad deliveries too, and gets every valid one wrong).
  bool needs_acceptance = true;
  // "" when it applies to the settings, else why it is skipped ("--scheme token signs no timestamp").
  std::function<std::string(const Settings&)> applies = {};
};

// The rule with the timeout in force, or "--timeout" without settings (the list).
std::string rule_text(const Check& check, const Settings* settings);

// Every check, in the order they run.
const std::vector<Check>& checks();

struct Result {
  const Check* check;
  Outcome outcome;
};

// What the one valid delivery sent before the battery says: "" unless it was refused (a 4xx), else the refusal and its
// likely cause ("a valid delivery got 401 ...: is --secret the receiver's token ...?"). A redirect, a 5xx or no answer
// is for the checks to judge: the receiver's doing, not the check's set-up.
std::string setup_problem(const Sent& setup, const Settings& settings);

// Runs the checks `selected` says to run, in order, calling `done` after each. Each check stops at its first
// timeout, so a receiver that never answers is judged in bounded time; after 3 checks in a row ended in a timeout, the
// rest are not run. With a setup problem, the checks that need valid deliveries accepted are inconclusive. Once `stop`
// is asked (Ctrl-C), the check under way and the rest are not run.
std::vector<Result> run(Probe& probe, const std::function<bool(const Check&)>& selected,
                        const std::function<void(const Result&)>& done, const std::string& setup,
                        std::stop_token stop = {});

} // namespace acx::check
