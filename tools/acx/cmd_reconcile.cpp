// acx reconcile: the changes AccuLynx's API shows in a window against the deliveries the journal holds.
#include <chrono>
#include <fmt/format.h>
#include <set>

#include "acx/event/json_text.hpp"
#include "acx/journal/journal.hpp"
#include "acx/reconcile/reconcile.hpp"
#include "acx/util/text.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "interrupt.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct ReconcileFlags {
  ApiFlags api;
  std::optional<util::Instant> since;
  std::optional<util::Instant> until;
  Duration tolerance{std::chrono::minutes(2)};
  std::string journal;
  Format format = Format::text;
};

std::string journal_of(const ReconcileFlags& f, const config::Config& config)
{
  const config::Profile* p = config.find(f.api.profile);
  return journal_path(!f.journal.empty() ? f.journal : p ? p->journal : std::string());
}

// The topics the profile's subscriptions listen to: a change of another topic was never to be delivered. Empty when
// the profile has none (every topic of the table is then expected).
std::set<std::string> subscribed_topics(const ReconcileFlags& f, const config::Config& config)
{
  std::set<std::string> topics;
  if (const config::Profile* p = config.find(f.api.profile)) {
    for (const auto& s : p->subscriptions) {
      topics.insert(s.topics.begin(), s.topics.end());
    }
  }
  return topics;
}

void print_missed(const ReconcileFlags& f, const reconcile::Change& c)
{
  if (f.format == Format::json) {
    fmt::print("{}", event::json_line(nlohmann::ordered_json{{"kind", "missed"},
                                                             {"topic", c.topic},
                                                             {"subject", c.subject},
                                                             {"at", util::format_rfc3339(c.at)},
                                                             {"source", c.source},
                                                             {"detail", c.detail}}));
  } else {
    fmt::print("missed       {:<30} {:<44} {}  {} ({})\n", c.topic, c.subject, util::format_rfc3339(c.at),
               util::printable(c.detail), c.source);
  }
}

void print_unexplained(const ReconcileFlags& f, const reconcile::Delivery& d)
{
  if (f.format == Format::json) {
    fmt::print("{}", event::json_line(nlohmann::ordered_json{{"kind", "unexplained"},
                                                             {"topic", d.topic},
                                                             {"subject", d.subject},
                                                             {"at", util::format_rfc3339(d.at)},
                                                             {"seq", d.seq},
                                                             {"eventId", d.event_id}}));
  } else {
    fmt::print("unexplained  {:<30} {:<44} {}  journal seq {}, eventId {}\n", d.topic, d.subject,
               util::format_rfc3339(d.at), d.seq, util::printable(d.event_id));
  }
}

int run_reconcile(const ReconcileFlags& f)
{
  Interrupt interrupt;
  const auto began = std::chrono::steady_clock::now();
  const auto config = load_config(config_path(f.api));
  acculynx::Api api(api_options(f.api, config));
  const reconcile::Window window{*f.since, f.until ? *f.until : util::now()};
  if (!(window.since < window.until)) {
    throw Error(ExitCode::usage, "--since must come before --until");
  }
  const std::string journal = journal_of(f, config);
  auto reader = journal::Reader::open(journal);
  const auto read = reconcile::read_changes(api, window, interrupt.token(), [&](std::size_t done, std::size_t of) {
    if (done % 50 == 0 || done == of) {
      fmt::print(stderr, "acx: reconcile: {} of {} jobs read ({} API requests)\n", done, of, api.requests());
    }
  });
  auto changes = read.changes;
  if (const auto topics = subscribed_topics(f, config); !topics.empty()) {
    std::erase_if(changes, [&](const reconcile::Change& c) { return !topics.contains(c.topic); });
  }
  const auto result =
      reconcile::match(changes, reconcile::read_deliveries(*reader, window, f.tolerance), window, f.tolerance);
  for (const auto& c : result.missed) {
    print_missed(f, c);
  }
  for (const auto& d : result.unexplained) {
    print_unexplained(f, d);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (f.format == Format::json) {
    fmt::print("{}", event::json_line(nlohmann::ordered_json{{"kind", "summary"},
                                                             {"since", util::format_rfc3339(window.since)},
                                                             {"until", util::format_rfc3339(window.until)},
                                                             {"changes", changes.size()},
                                                             {"jobs", read.jobs},
                                                             {"contacts", read.contacts},
                                                             {"matched", result.matched},
                                                             {"missed", result.missed.size()},
                                                             {"unexplained", result.unexplained.size()},
                                                             {"apiRequests", api.requests()},
                                                             {"seconds", seconds},
                                                             {"interrupted", read.interrupted}}));
  } else {
    fmt::print("reconcile {} .. {}: {} changes seen ({} jobs, {} contacts), {} matched, {} missed, {} unexplained; {} "
               "API requests in {:.1f} s{}\n",
               util::format_rfc3339(window.since), util::format_rfc3339(window.until), changes.size(), read.jobs,
               read.contacts, result.matched, result.missed.size(), result.unexplained.size(), api.requests(), seconds,
               read.interrupted ? " (interrupted: only what was read before)" : "");
  }
  if (interrupt.asked()) {
    return interrupt.exit_code();
  }
  return result.missed.empty() ? 0 : static_cast<int>(ExitCode::failed);
}

} // namespace

void setup_reconcile(CLI::App& app, Run& run)
{
  auto f = std::make_shared<ReconcileFlags>();
  auto* cmd = app.add_subcommand("reconcile", "Find the changes AccuLynx made but never delivered (exit 1 if any)");
  add_time_option(cmd, "--since", f->since, "The window's start: an RFC 3339 time, or a duration ago (24h)")
      ->required();
  add_time_option(cmd, "--until", f->until, "The window's end (default now)");
  add_duration_option(cmd, "--tolerance", f->tolerance,
                      "How far a delivery's eventDateTime may be from the change it reports (default 2m)");
  add_journal_option(cmd, f->journal);
  add_api_options(cmd, f->api);
  add_format_option(cmd, f->format);
  cmd->callback([&run, f] { run = [f] { return run_reconcile(*f); }; });
}

} // namespace acx::cli
