#pragma once

#include <string>
#include <vector>

#include "acx/check/check.hpp"

namespace acx::check {

struct Summary {
  std::size_t passed = 0, failed = 0, warned = 0, skipped = 0, inconclusive = 0, not_run = 0;
  // Required checks that could not be judged (inconclusive): a run with these proves nothing.
  std::size_t unproven = 0;
};
Summary summarise(const std::vector<Result>& results);

// What the reports say besides the results: the receiver (its token hidden) and the scheme.
struct Subject {
  std::string url;
  std::string scheme;
  const Settings* settings = nullptr; // the rules' --timeout
  std::string setup;                  // setup_problem(): "" when the setup delivery was accepted
  bool interrupted = false;           // Ctrl-C: the report covers what ran
  bool silent = false;                // the setup delivery got no answer in time (exit 6, as for a receiver that stops)
};

// The top of the text report: the setup's problem, or "".
std::string text_setup(const Subject& subject, bool color);

// One line of the table: verdict, level, id, detail; coloured when `color`.
std::string text_row(const Result& r, bool color);
// The failures (and warnings) in detail: the rule, the requests and answers, the command that reproduces it; then
// the summary line.
std::string text_details(const Subject& subject, const std::vector<Result>& results, bool color);

// {"url","scheme","summary":{...},"checks":[{"id","level","verdict","rule","source","detail","requests","reproduce"}]}
std::string json_report(const Subject& subject, const std::vector<Result>& results);
// JUnit XML: one testsuite, a testcase per check (failure for fail, skipped for skip; a warning in system-out).
std::string junit_report(const Subject& subject, const std::vector<Result>& results);

// The checks themselves: id, level, source, rule.
std::string text_list();
std::string json_list();

} // namespace acx::check
