#include "acx/check/report.hpp"
#include "acx/event/json_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/util/text.hpp"

namespace acx::check {

namespace {

std::string paint(const std::string& text, const char* code, bool color)
{
  return color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
}

const char* color_of(Grade v)
{
  switch (v) {
  case Grade::pass:
    return "32";
  case Grade::fail:
    return "31;1";
  case Grade::warn:
    return "33";
  case Grade::skip:
  case Grade::not_run:
    return "2";
  case Grade::inconclusive:
    return "35";
  }
  return "0";
}

// The table's verdict column: four letters where the name is longer.
std::string_view short_name(Grade v)
{
  return v == Grade::inconclusive ? "inconcl" : name(v);
}

std::string upper(std::string_view s)
{
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

nlohmann::ordered_json to_json(const Sent& s)
{
  nlohmann::ordered_json j{{"what", s.what},
                           {"method", s.method},
                           {"url", s.url},
                           {"status", s.status},
                           {"ms", static_cast<double>(s.latency.count()) / 1000.0}};
  if (s.status != 0) {
    j["answer"] = s.answer;
  } else {
    j["error"] = s.timed_out ? "timed out" : s.error;
  }
  return j;
}

// Text made safe for XML: the characters XML 1.0 cannot hold dropped, markup escaped.
std::string xml(std::string_view s)
{
  std::string kept;
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') {
      kept += c;
    }
  }
  return util::escape_markup(kept);
}

double seconds_of(const Outcome& o)
{
  double total = 0;
  for (const auto& s : o.requests) {
    total += static_cast<double>(s.latency.count()) / 1e6;
  }
  return total;
}

} // namespace

Summary summarise(const std::vector<Result>& results)
{
  Summary s;
  for (const auto& r : results) {
    switch (r.outcome.verdict) {
    case Grade::pass:
      ++s.passed;
      break;
    case Grade::fail:
      ++s.failed;
      break;
    case Grade::warn:
      ++s.warned;
      break;
    case Grade::skip:
      ++s.skipped;
      break;
    case Grade::inconclusive:
      ++s.inconclusive;
      s.unproven += r.check->level == Level::required ? 1 : 0;
      break;
    case Grade::not_run:
      ++s.not_run;
      break;
    }
  }
  return s;
}

std::string text_setup(const Subject& subject, bool color)
{
  if (subject.setup.empty()) {
    return {};
  }
  return fmt::format("{} {}\n  Nothing that needs a valid delivery accepted was judged.\n\n",
                     paint("SETUP", color_of(Grade::fail), color), util::printable(subject.setup));
}

std::string text_row(const Result& r, bool color)
{
  return fmt::format(
      "{}  {:<11}  {:<24} {}\n",
      paint(fmt::format("{:<7}", upper(short_name(r.outcome.verdict))), color_of(r.outcome.verdict), color),
      name(r.check->level), r.check->id, util::printable(r.outcome.detail));
}

// "3 passed, 1 failed, 0 warned, 2 skipped", then what is not always there: ", 1 inconclusive, 11 not run".
std::string summary_line(const Summary& s)
{
  std::string out = fmt::format("{} passed, {} failed, {} warned, {} skipped", s.passed, s.failed, s.warned, s.skipped);
  if (s.inconclusive > 0) {
    out += fmt::format(", {} inconclusive", s.inconclusive);
  }
  if (s.not_run > 0) {
    out += fmt::format(", {} not run", s.not_run);
  }
  return out;
}

std::string text_details(const Subject& subject, const std::vector<Result>& results, bool color)
{
  std::string out;
  for (const auto& r : results) {
    const auto v = r.outcome.verdict;
    if (v != Grade::fail && v != Grade::warn && !(v == Grade::inconclusive && !r.outcome.requests.empty())) {
      continue;
    }
    out += fmt::format("\n{} {} ({}; {})\n  rule: {}\n  {}\n", paint(upper(name(v)), color_of(v), color), r.check->id,
                       name(r.check->level), r.check->source, rule_text(*r.check, subject.settings),
                       util::printable(r.outcome.detail));
    for (const auto& s : r.outcome.requests) {
      out += fmt::format("  sent {} {} ({}): {}{}\n", s.method, util::printable(s.url), util::printable(s.what),
                         s.outcome(), s.status != 0 && !s.answer.empty() ? " " + util::printable(s.answer) : "");
    }
    if (!r.outcome.reproduce.empty()) {
      out += fmt::format("  reproduce: {}\n", r.outcome.reproduce);
    }
  }
  out += fmt::format("\n{}{}\n", summary_line(summarise(results)), subject.interrupted ? " (interrupted: Ctrl-C)" : "");
  return out;
}

std::string json_report(const Subject& subject, const std::vector<Result>& results)
{
  const Summary s = summarise(results);
  auto checks = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    auto requests = nlohmann::ordered_json::array();
    for (const auto& sent : r.outcome.requests) {
      requests.push_back(to_json(sent));
    }
    checks.push_back({{"id", r.check->id},
                      {"level", name(r.check->level)},
                      {"verdict", name(r.outcome.verdict)},
                      {"rule", rule_text(*r.check, subject.settings)},
                      {"source", r.check->source},
                      {"detail", r.outcome.detail},
                      {"requests", requests},
                      {"reproduce", r.outcome.reproduce}});
  }
  nlohmann::ordered_json setup{{"accepted", subject.setup.empty()}};
  if (!subject.setup.empty()) {
    setup["problem"] = subject.setup;
  }
  const nlohmann::ordered_json j{{"url", subject.url},
                                 {"scheme", subject.scheme},
                                 {"setup", setup},
                                 {"interrupted", subject.interrupted},
                                 {"summary",
                                  {{"passed", s.passed},
                                   {"failed", s.failed},
                                   {"warned", s.warned},
                                   {"skipped", s.skipped},
                                   {"inconclusive", s.inconclusive},
                                   {"not_run", s.not_run}}},
                                 {"checks", checks}};
  // Answers are untrusted bytes: replaced where they are not UTF-8 rather than refused.
  return event::json_line(j);
}

std::string junit_report(const Subject& subject, const std::vector<Result>& results)
{
  const Summary s = summarise(results);
  double total = 0;
  for (const auto& r : results) {
    total += seconds_of(r.outcome);
  }
  const std::size_t setup = subject.setup.empty() ? 0 : 1; // a testcase of its own, failed
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // As the Jenkins JUnit schema has it (xunit's junit-10.xsd): skipped is counted per testsuite, not on testsuites,
  // and a <skipped> element says why in its text.
  out += fmt::format("<testsuites name=\"acx check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     results.size() + setup, s.failed + setup, s.inconclusive, total);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
                     "time=\"{:.3f}\">\n",
                     xml("acx check " + subject.url), results.size() + setup, s.failed + setup, s.inconclusive,
                     s.skipped + s.not_run, total);
  if (!subject.setup.empty()) {
    out += fmt::format("    <testcase classname=\"acx.check.setup\" name=\"setup\" time=\"0\">\n      <failure "
                       "message=\"{}\"/>\n    </testcase>\n",
                       xml(util::printable(subject.setup)));
  }
  for (const auto& r : results) {
    out += fmt::format("    <testcase classname=\"acx.check.{}\" name=\"{}\" time=\"{:.3f}\">\n", name(r.check->level),
                       xml(r.check->id), seconds_of(r.outcome));
    const std::string detail = xml(util::printable(r.outcome.detail));
    std::string body = fmt::format("rule: {}\nsource: {}\n", rule_text(*r.check, subject.settings), r.check->source);
    for (const auto& sent : r.outcome.requests) {
      body += fmt::format("sent {} {} ({}): {}\n", sent.method, util::printable(sent.url), util::printable(sent.what),
                          sent.outcome());
    }
    if (!r.outcome.reproduce.empty()) {
      body += "reproduce: " + r.outcome.reproduce + "\n";
    }
    switch (r.outcome.verdict) {
    case Grade::fail:
      out += fmt::format("      <failure message=\"{}\">{}</failure>\n", detail, xml(body));
      break;
    case Grade::skip:
    case Grade::not_run:
      out += fmt::format("      <skipped>{}</skipped>\n", detail);
      break;
    case Grade::inconclusive:
      out += fmt::format("      <error message=\"inconclusive: {}\">{}</error>\n", detail, xml(body));
      break;
    case Grade::warn:
      out += fmt::format("      <system-out>warning: {}\n{}</system-out>\n", detail, xml(body));
      break;
    case Grade::pass:
      break;
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string text_list()
{
  std::string out;
  for (const auto& c : checks()) {
    out += fmt::format("{:<24} {:<11}  {}\n{:<24} {:<11}  ({})\n", c.id, name(c.level), rule_text(c, nullptr), "", "",
                       c.source);
  }
  return out;
}

std::string json_list()
{
  std::string out;
  for (const auto& c : checks()) {
    out += event::json_line(nlohmann::ordered_json{
        {"id", c.id}, {"level", name(c.level)}, {"rule", rule_text(c, nullptr)}, {"source", c.source}});
  }
  return out;
}

} // namespace acx::check
