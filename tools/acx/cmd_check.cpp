// acx check: judge a webhook receiver against AccuLynx's delivery rules, a verdict per check.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <thread>
#include <unistd.h>

#include "acx/check/check.hpp"
#include "acx/check/report.hpp"
#include "acx/config/config.hpp"
#include "acx/config/credentials.hpp"
#include "acx/util/io.hpp"
#include "acx/util/service.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "interrupt.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct CheckFlags {
  std::string url;
  SchemeFlags scheme;
  std::string profile;
  std::string config;
  std::string subscription;
  std::vector<std::string> only;
  std::vector<std::string> skip;
  bool list = false;
  Format format = Format::text;
  std::string output;
  Duration timeout = std::chrono::seconds(10);
  std::size_t burst = 100;
  std::size_t concurrency = 10;
  std::string processed;
  bool insecure = false;
  std::vector<std::string> headers;
};

std::vector<std::string> check_ids()
{
  std::vector<std::string> ids;
  for (const auto& c : check::checks()) {
    ids.emplace_back(c.id);
  }
  return ids;
}

// The receiver and its credential: from the flags, or the profile acx subscribe wrote (its first subscription).
check::Settings settings_of(const CheckFlags& f)
{
  check::Settings s;
  SchemeFlags scheme = f.scheme;
  s.url = f.url;
  if (!f.subscription.empty()) {
    s.subscription = f.subscription;
  }
  if (!f.profile.empty()) {
    const auto t = subscribed_target(f.config, f.profile, scheme);
    if (s.url.empty()) {
      s.url = t.url;
    }
    if (!s.subscription) {
      s.subscription = t.subscription;
    }
    s.token_in_path = t.token_in_path;
  }
  if (s.url.empty()) {
    throw Error(ExitCode::usage, "give the receiver's URL (or --profile, whose subscription names it)");
  }
  std::string why;
  if (!util::parse_url(s.url, &why)) {
    throw Error(ExitCode::usage, fmt::format("'{}' is not a URL: {}", util::redact_url(s.url), why));
  }
  s.scheme = scheme_options(scheme);
  signing::make_scheme(s.scheme); // a usage error now (a missing or malformed secret), not in the middle of a check
  s.timeout = f.timeout;
  s.burst = f.burst;
  s.concurrency = f.concurrency;
  s.processed = f.processed;
  s.insecure = f.insecure;
  s.headers = collect_headers(f.headers);
  return s;
}

// The setup delivery: one valid delivery before the battery. A receiver that refuses connections is not judged check
// by check (exit 5); one that refuses the delivery is judged on nothing that needs one accepted.
std::string setup_of(check::Probe& probe, check::Subject& subject)
{
  const check::Sent first = probe.send(probe.fixture("job_created"));
  subject.silent = first.timed_out;
  if (first.status == 0 && !first.timed_out && !first.aborted) {
    const bool untrusted = first.error.find("not trusted") != std::string::npos;
    throw Error(ExitCode::network,
                fmt::format("cannot reach {}: {}{}", subject.url, first.error,
                            untrusted ? "; -k/--insecure checks it anyway (the transport check still reports the "
                                        "certificate)"
                                      : ""));
  }
  return check::setup_problem(first, probe.settings());
}

int exit_code_of(const check::Subject& subject, const check::Summary& summary)
{
  if (subject.interrupted) {
    return static_cast<int>(ExitCode::interrupted);
  }
  if (summary.not_run > 0 || subject.silent) { // the receiver stopped answering (or never did): whatever else failed
    return static_cast<int>(ExitCode::timeout);
  }
  if (!subject.setup.empty() || summary.failed > 0 || summary.unproven > 0) {
    return static_cast<int>(ExitCode::failed);
  }
  return 0;
}

int run_check(const CheckFlags& f)
{
  if (f.list) {
    fmt::print("{}", f.format == Format::json ? check::json_list() : check::text_list());
    return 0;
  }
  const Interrupt interrupt;
  check::Probe probe(settings_of(f), interrupt.token());
  const auto& s = probe.settings();
  auto selected = [&f](const check::Check& c) {
    const std::string id(c.id);
    if (!f.only.empty() && std::find(f.only.begin(), f.only.end(), id) == f.only.end()) {
      return false;
    }
    return std::find(f.skip.begin(), f.skip.end(), id) == f.skip.end();
  };
  std::size_t planned = 0;
  std::size_t count = 0;
  for (const auto& c : check::checks()) {
    if (selected(c)) {
      planned += c.planned(s);
      ++count;
    }
  }
  check::Subject subject{
      util::redact_url(s.url), std::string(signing::traits(s.scheme.kind).name), &s, {}, false, false};
  fmt::print(stderr, "acx: checking {} ({}): {}, at most {} requests to this URL only\n", subject.url, subject.scheme,
             util::plural(count, "check"), planned + 1);
  std::fflush(stderr);
  subject.setup = setup_of(probe, subject);

  // The table goes to the terminal as the checks end, unless the report itself is text on stdout.
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  const char* no_color = std::getenv("NO_COLOR");
  const bool table_on_stdout = f.format == Format::text || !f.output.empty();
  const bool color = tty && table_on_stdout && !(no_color && *no_color);
  if (table_on_stdout) {
    fmt::print("{}", check::text_setup(subject, color));
  }
  const auto results = check::run(
      probe, selected,
      [&](const check::Result& r) {
        if (table_on_stdout) {
          fmt::print("{}", check::text_row(r, color));
          std::fflush(stdout);
        }
      },
      subject.setup, interrupt.token());
  subject.interrupted = interrupt.asked();
  if (table_on_stdout) {
    fmt::print("{}", check::text_details(subject, results, color));
  }
  const std::string report = f.format == Format::json    ? check::json_report(subject, results)
                             : f.format == Format::junit ? check::junit_report(subject, results)
                             : !f.output.empty()
                                 ? check::text_setup(subject, false) + check::text_details(subject, results, false)
                                 : std::string();
  if (!f.output.empty()) {
    util::write_private_file(f.output, report, "the report");
    fmt::print(stderr, "acx: report written to {}\n", f.output);
  } else {
    fmt::print("{}", report);
  }
  return subject.interrupted ? interrupt.exit_code() : exit_code_of(subject, check::summarise(results));
}

} // namespace

void setup_check(CLI::App& app, Run& run)
{
  auto f = std::make_shared<CheckFlags>();
  auto* cmd = app.add_subcommand("check", "Judge a webhook receiver against AccuLynx's delivery rules");
  cmd->add_option("url", f->url, "The receiver's URL (with --profile: the subscription's, unless given)");
  add_scheme_options(cmd, f->scheme, SecretUse::verify);
  cmd->add_option("--profile", f->profile,
                  "Take the URL, token (or signing secret) and subscription acx subscribe stored here");
  cmd->add_option("--config", f->config, "Config file (default ${XDG_CONFIG_HOME:-~/.config}/acx/config.toml)");
  cmd->add_option("--subscription", f->subscription,
                  "The receiver's subscriptionId: envelopes carry it, others must be refused");
  const auto ids = check_ids();
  cmd->add_option("--only", f->only, "Run only this check (repeatable; see --list)")
      ->allow_extra_args(false)
      ->check(one_of(ids, "check", "see acx check --list"));
  cmd->add_option("--skip", f->skip, "Skip this check (repeatable)")
      ->allow_extra_args(false)
      ->check(one_of(ids, "check", "see acx check --list"));
  cmd->add_flag("--list", f->list, "Print the checks (id, level, rule, source) and send nothing");
  add_format_option(cmd, f->format, FormatDefault::by_terminal, Format::junit, JsonShape::object);
  cmd->add_option("--output", f->output, "Write the report here (in --format) and keep the table on the terminal");
  add_duration_option(cmd, "--timeout", f->timeout, "Longest wait for an answer (AccuLynx waits 10 s)");
  cmd->add_option("--burst", f->burst, "Deliveries in fast-answers")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--concurrency", f->concurrency, "At a time, in fast-answers")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--processed", f->processed,
                  "Command that prints how many times the receiver processed $ACX_EVENT_ID (duplicates: must be 1)");
  cmd->add_flag("-k,--insecure", f->insecure, "Do not verify the receiver's TLS certificate");
  cmd->add_option("-H,--header", f->headers, "Extra header 'Name: value' on every request (repeatable), or @FILE")
      ->allow_extra_args(false);
  cmd->callback([&run, f] { run = [f] { return run_check(*f); }; });
}

} // namespace acx::cli
