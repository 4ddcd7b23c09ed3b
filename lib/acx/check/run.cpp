// Running the battery: the order, what is not judged (setup refused, the receiver silent, Ctrl-C), and the words.
#include <fmt/format.h>
#include <optional>

#include "acx/check/check.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::check {

std::string_view name(Level level)
{
  return level == Level::required ? "required" : "recommended";
}

std::string_view name(Grade verdict)
{
  switch (verdict) {
  case Grade::pass:
    return "pass";
  case Grade::fail:
    return "fail";
  case Grade::warn:
    return "warn";
  case Grade::skip:
    return "skip";
  case Grade::inconclusive:
    return "inconclusive";
  case Grade::not_run:
    return "not run";
  }
  return "?";
}

std::string rule_text(const Check& check, const Settings* settings)
{
  std::string rule(check.rule);
  const auto at = rule.find("{timeout}");
  if (at != std::string::npos) {
    const std::string timeout = settings ? util::format_duration(settings->timeout) : "--timeout";
    rule.replace(at, std::string_view("{timeout}").size(), timeout);
  }
  return rule;
}

std::string setup_problem(const Sent& setup, const Settings& settings)
{
  if (setup.status >= 300 && setup.status < 400) { // not accepted: a provider follows no redirect
    return fmt::format("a valid delivery got {}: a webhook sender follows no redirect and counts only a 2xx as "
                       "accepted; give --url where the receiver answers itself",
                       setup.outcome());
  }
  if (setup.timed_out) {
    return fmt::format(
        "a valid delivery got {}: a receiver must answer within --timeout {} (AccuLynx gives up then and "
        "delivers again later); is it stuck, or does it work before it answers?",
        setup.outcome(), util::format_duration(settings.timeout));
  }
  if (!setup.refused()) { // a 2xx; or an answer the checks themselves judge (a 5xx)
    return {};
  }
  const std::string got =
      fmt::format("a valid delivery got {}{}", setup.outcome(),
                  setup.answer.empty() ? "" : fmt::format(" ('{}')", util::excerpt(setup.answer, 60)));
  const auto& scheme = signing::traits(settings.scheme.kind);
  switch (setup.status) {
  case 401:
  case 403:
    return scheme.takes_secret
               ? fmt::format("{}: is --secret the receiver's {}, and --scheme {} the way it checks?", got,
                             scheme.kind == signing::Kind::token ? "token" : "signing secret", scheme.name)
               : fmt::format("{}: the receiver wants a credential: give --scheme and --secret", got);
  case 404:
    return got + ": is the path right?";
  case 405:
    return got + ": does the receiver take POST at this URL?";
  case 400:
  case 422:
    return got + ": does the receiver want a header acx did not send (-H 'Name: value'), or another --scheme?";
  case 415:
    return got + ": the receiver does not take application/json here";
  default:
    break;
  }
  return got;
}

namespace {

// What a check gets instead of running, or nothing: it runs.
std::optional<Outcome> not_judged(const Check& c, const Settings& s, const std::string& setup, int silent_in_a_row,
                                  bool stopped)
{
  if (c.applies) {
    if (std::string why = c.applies(s); !why.empty()) {
      return Outcome{Grade::skip, std::move(why), {}, {}};
    }
  }
  if (stopped) {
    return Outcome{Grade::not_run, "not run: interrupted (Ctrl-C)", {}, {}};
  }
  if (!setup.empty() && c.needs_acceptance) {
    return Outcome{Grade::inconclusive, "not judged: the setup delivery was not accepted (see the top)", {}, {}};
  }
  if (silent_in_a_row >= 3) {
    return Outcome{
        Grade::not_run, "not run: the receiver stopped answering (3 checks in a row ended in a timeout)", {}, {}};
  }
  return std::nullopt;
}

} // namespace

std::vector<Result> run(Probe& probe, const std::function<bool(const Check&)>& selected,
                        const std::function<void(const Result&)>& done, const std::string& setup, std::stop_token stop)
{
  std::vector<Result> results;
  int silent_in_a_row = 0; // checks whose last request timed out
  for (const auto& c : checks()) {
    if (!selected(c)) {
      continue;
    }
    Result r{&c, {}};
    if (auto instead = not_judged(c, probe.settings(), setup, silent_in_a_row, stop.stop_requested())) {
      r.outcome = std::move(*instead);
    } else {
      r.outcome = c.run(probe);
      const auto& sent = r.outcome.requests;
      silent_in_a_row = !sent.empty() && sent.back().timed_out ? silent_in_a_row + 1 : 0;
      if (stop.stop_requested()) { // its requests were cut short: what it concluded means nothing
        r.outcome = {Grade::not_run, "not run: interrupted (Ctrl-C) while it ran", {}, {}};
      }
    }
    if (c.level == Level::recommended && r.outcome.verdict == Grade::fail) {
      r.outcome.verdict = Grade::warn;
    }
    if (done) {
      done(r);
    }
    results.push_back(std::move(r));
  }
  return results;
}

} // namespace acx::check
