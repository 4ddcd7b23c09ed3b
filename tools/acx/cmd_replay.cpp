// acx replay: deliver events again, from the journal or from files, re-signed (or --verbatim).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/deliver/prepare.hpp"
#include "acx/event/json_text.hpp"
#include "acx/event/source.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"
#include "command.hpp"
#include "completion.hpp"
#include "delivery_flags.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct ReplayFlags {
  std::vector<std::string> files;
  std::string journal;
  std::vector<std::string> ids;
  std::string topic;
  std::optional<util::Instant> since;
  std::optional<util::Instant> until;
  bool all = false;
  std::string to;
  bool verbatim = false;
  bool dry_run = false;
  SchemeFlags scheme;
  DeliveryFlags delivery;
};

// The selected journal records, accepted ones only, in the order they were received.
std::vector<event::SourceEvent> from_journal(const ReplayFlags& f)
{
  if (f.ids.empty() && f.topic.empty() && !f.since && !f.until && !f.all) {
    throw Error(ExitCode::usage,
                "say which events to replay: --id, --topic, --since/--until, or --all (or give files)");
  }
  const std::string path = journal_path(f.journal);
  auto reader = journal::Reader::open(path);
  std::vector<journal::Record> records;
  if (!f.ids.empty()) {
    for (const auto& id : f.ids) {
      auto r = reader->find(id);
      if (!r) {
        throw Error(ExitCode::bad_input, fmt::format("{} {}", journal::not_found(*reader, id), path));
      }
      records.push_back(std::move(*r));
    }
    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  } else {
    journal::Query q;
    warn_unknown_topic(f.topic);
    q.topic = f.topic;
    q.duplicates = false;
    q.since = f.since;
    q.until = f.until;
    for (auto batch = reader->read(q); !batch.empty(); batch = reader->read(q)) {
      q.after_seq = batch.back().seq;
      std::move(batch.begin(), batch.end(), std::back_inserter(records));
    }
  }
  std::vector<event::SourceEvent> out;
  for (auto& r : records) {
    out.push_back({std::move(r.body), fmt::format("journal #{}", r.seq), std::move(r.headers)});
  }
  return out;
}

int run_replay(const ReplayFlags& f)
{
  const auto events = f.files.empty() ? from_journal(f) : event::load_sources(f.files);
  if (events.empty()) {
    fmt::print(stderr, "acx: nothing to replay: no event matches\n");
    return 0;
  }
  deliver::PrepareOptions o;
  o.url = f.to;
  o.fresh = false; // a re-delivery keeps its eventId, so receivers can recognise it
  o.resign = !f.verbatim;
  if (o.resign) {
    o.scheme = scheme_options(f.scheme);
  }
  o.extra_headers = collect_headers(f.delivery.headers);
  const auto requests = deliver::prepare(events, o);
  if (f.dry_run) {
    for (const auto& r : requests) {
      // Credentials stay hidden: in the URL, in headers, and wherever a secret of this run appears.
      util::Headers shown = r.headers;
      util::redact_credentials(shown);
      nlohmann::ordered_json headers = nlohmann::ordered_json::object();
      for (const auto& h : shown) {
        headers[h.name] = util::redact_secrets(h.value, f.scheme.secrets);
      }
      fmt::print("{}", event::json_line(nlohmann::ordered_json{{"url", util::redact_url(r.url, f.scheme.secrets)},
                                                               {"eventId", r.event_id},
                                                               {"topic", r.topic},
                                                               {"headers", headers},
                                                               {"bytes", r.body.size()}}));
    }
    fmt::print(stderr, "acx: dry run: {} deliver{} not sent\n", requests.size(), requests.size() == 1 ? "y" : "ies");
    return 0;
  }
  return deliver_and_report(requests, f.delivery, 1);
}

} // namespace

void setup_replay(CLI::App& app, Run& run)
{
  auto f = std::make_shared<ReplayFlags>();
  auto* cmd = app.add_subcommand("replay", "Deliver events again, from the journal or files, re-signed now");
  cmd->add_option("files", f->files,
                  "Fixture files, directories, or JSON lines from `acx events export` (instead of "
                  "the journal)");
  cmd->add_option("--to", f->to, "URL to deliver to")->required()->check(url_validator());
  auto* sel = cmd->add_option_group("Selection", "Which journal events (accepted ones, in the order received)");
  add_journal_option(sel, f->journal);
  sel->add_option("--id", f->ids, "Sequence number or eventId (repeatable)")->allow_extra_args(false);
  suggest(sel->add_option("--topic", f->topic, "Only topics that match this pattern (job.* is every job topic)"),
          catalog_topic_names());
  add_time_option(sel, "--since", f->since, "Received at or after: RFC 3339, or a duration ago");
  add_time_option(sel, "--until", f->until, "Received before: RFC 3339, or a duration ago");
  sel->add_flag("--all", f->all, "Every accepted event");
  cmd->add_flag("--verbatim", f->verbatim, "Resend the exact bytes and original headers (no new signature)");
  cmd->add_flag("--dry-run", f->dry_run, "Print what would be sent (one JSON line each) and send nothing");
  add_scheme_options(cmd, f->scheme, SecretUse::sign);
  add_delivery_options(cmd, f->delivery);
  cmd->callback([&run, f] { run = [f] { return run_replay(*f); }; });
}

} // namespace acx::cli
