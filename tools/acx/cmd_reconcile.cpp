// acx reconcile: the changes AccuLynx's API shows in a window against the deliveries the journal holds.
#include <chrono>
#include <fmt/format.h>
#include <set>

#include "acx/event/json_text.hpp"
#include "acx/journal/journal.hpp"
#include "acx/reconcile/pass.hpp"
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
  bool repair = false;
  Format format = Format::text;
};

std::string journal_of(const ReconcileFlags& f, const config::Config& config)
{
  const config::Profile* p = config.find(f.api.profile);
  return journal_path(!f.journal.empty() ? f.journal : p ? p->journal : std::string());
}

// The plan for the profile: the topics its subscriptions listen to (a change of another topic was never to be
// delivered; with none, every topic of the table is expected) and the subscription a rebuilt event names.
reconcile::Plan plan_of(const ReconcileFlags& f, const config::Config& config)
{
  reconcile::Plan plan;
  plan.window = {*f.since, f.until ? *f.until : util::now()};
  plan.tolerance = f.tolerance;
  plan.repair = f.repair;
  if (const config::Profile* p = config.find(f.api.profile)) {
    for (const auto& s : p->subscriptions) {
      for (const auto& t : s.topics) {
        plan.topics.insert(t);
        plan.subscription_of.try_emplace(t, s.id);
      }
    }
  }
  return plan;
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

void print_summary(const ReconcileFlags& f, const reconcile::Plan& plan, const reconcile::Report& r,
                   std::size_t requests, double seconds)
{
  const auto& w = plan.window;
  if (f.format == Format::json) {
    fmt::print("{}", event::json_line(nlohmann::ordered_json{{"kind", "summary"},
                                                             {"since", util::format_rfc3339(w.since)},
                                                             {"until", util::format_rfc3339(w.until)},
                                                             {"changes", r.read.changes.size()},
                                                             {"jobs", r.read.jobs},
                                                             {"contacts", r.read.contacts},
                                                             {"matched", r.result.matched},
                                                             {"missed", r.result.missed.size()},
                                                             {"repaired", r.repaired},
                                                             {"unexplained", r.result.unexplained.size()},
                                                             {"apiRequests", requests},
                                                             {"seconds", seconds},
                                                             {"interrupted", r.read.interrupted}}));
    return;
  }
  fmt::print("reconcile {} .. {}: {} changes seen ({} jobs, {} contacts), {} matched, {} missed{}, {} unexplained; {} "
             "API requests in {:.1f} s{}\n",
             util::format_rfc3339(w.since), util::format_rfc3339(w.until), r.read.changes.size(), r.read.jobs,
             r.read.contacts, r.result.matched, r.result.missed.size(),
             plan.repair ? fmt::format(" ({} repaired)", r.repaired) : std::string(), r.result.unexplained.size(),
             requests, seconds, r.read.interrupted ? " (interrupted: only what was read before)" : "");
}

// The journal to repair into: SQLite's has one writer, so a listener on it does the repairing itself.
std::unique_ptr<journal::Writer> open_for_repair(const std::string& journal)
{
  try {
    return journal::Writer::open(journal);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{} (a listener on this journal repairs with --reconcile-every and "
                                      "--reconcile-repair; or stop it for the repair)",
                                      e.what()));
  }
}

int run_reconcile(const ReconcileFlags& f)
{
  Interrupt interrupt;
  const auto began = std::chrono::steady_clock::now();
  const auto config = load_config(config_path(f.api));
  acculynx::Api api(api_options(f.api, config));
  const auto plan = plan_of(f, config);
  if (!(plan.window.since < plan.window.until)) {
    throw Error(ExitCode::usage, "--since must come before --until");
  }
  const std::string journal = journal_of(f, config);
  auto writer = f.repair ? open_for_repair(journal) : nullptr; // first: a journal to repair may not exist yet
  auto reader = journal::Reader::open(journal);
  const auto report =
      reconcile::pass(api, *reader, writer.get(), plan, interrupt.token(), [&](std::size_t done, std::size_t of) {
        if (done % 50 == 0 || done == of) {
          fmt::print(stderr, "acx: reconcile: {} of {} jobs read ({} API requests)\n", done, of, api.requests());
        }
      });
  if (writer) {
    writer->close();
  }
  for (const auto& c : report.result.missed) {
    print_missed(f, c);
  }
  for (const auto& d : report.result.unexplained) {
    print_unexplained(f, d);
  }
  print_summary(f, plan, report, api.requests(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  if (interrupt.asked()) {
    return interrupt.exit_code();
  }
  const bool all_repaired = f.repair && report.repaired >= report.result.missed.size();
  return report.result.missed.empty() || all_repaired ? 0 : static_cast<int>(ExitCode::failed);
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
  cmd->add_flag("--repair", f->repair,
                "Journal the event AccuLynx would have sent for each missed change, marked as reconciled (exit 0 "
                "when every one was)");
  add_journal_option(cmd, f->journal);
  add_api_options(cmd, f->api);
  add_format_option(cmd, f->format);
  cmd->callback([&run, f] { run = [f] { return run_reconcile(*f); }; });
}

} // namespace acx::cli
