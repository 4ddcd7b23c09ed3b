// acx events list | show | export | stats: read the journal, while acx listen writes it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "acx/journal/journal.hpp"
#include "acx/listen/printer.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "command.hpp"
#include "completion.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct EventsFlags {
  std::string journal;
  std::string topic;
  std::optional<util::Instant> since;
  std::optional<util::Instant> until;
  std::size_t limit = 0;
  bool refused = false;
  bool duplicates = true;         // list and show them (marked); export leaves them out unless:
  bool export_duplicates = false; // --duplicates
  Format format = Format::text;
  std::string id;
};

std::unique_ptr<journal::Reader> open_reader(const EventsFlags& f)
{
  return journal::Reader::open(journal_path(f.journal));
}

bool as_json(const EventsFlags& f)
{
  return f.format == Format::json;
}

journal::Query query_of(const EventsFlags& f)
{
  journal::Query q;
  q.topic = f.topic;
  q.refused = f.refused;
  q.duplicates = f.duplicates;
  q.since = f.since;
  q.until = f.until;
  return q;
}

// Every record the filters select, in order; with --limit, the last ones.
std::vector<journal::Record> select(journal::Reader& reader, const EventsFlags& f)
{
  journal::Query q = query_of(f);
  std::vector<journal::Record> out;
  for (;;) {
    auto batch = reader.read(q);
    if (batch.empty()) {
      break;
    }
    q.after_seq = batch.back().seq;
    for (auto& r : batch) {
      out.push_back(std::move(r));
    }
    if (f.limit > 0 && out.size() > 2 * f.limit) {
      out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(f.limit));
    }
  }
  if (f.limit > 0 && out.size() > f.limit) {
    out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(f.limit));
  }
  return out;
}

std::string refused_json(const journal::Record& r)
{
  nlohmann::ordered_json j{{"seq", r.seq},
                           {"received", util::format_rfc3339(r.received)},
                           {"remote", r.remote},
                           {"status", "refused"},
                           {"reason", r.reason},
                           {"detail", r.detail},
                           {"topic", r.topic},
                           {"eventId", r.event_id},
                           {"bodyBytes", r.body_bytes},
                           {"bodyKept", r.body.size()}, // the first bytes only
                           {"bodySha256", r.body_sha256}};
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

int run_list(const EventsFlags& f)
{
  auto reader = open_reader(f);
  const auto records = select(*reader, f);
  if (as_json(f)) {
    for (const auto& r : records) {
      fmt::print("{}", f.refused ? refused_json(r) : listen::format_record(r, listen::OutputFormat::json, false));
    }
    return 0;
  }
  if (f.refused) {
    fmt::print("{:>6}  {:<28} {:<13} {:<21} {}\n", "SEQ", "RECEIVED", "REASON", "REMOTE", "DETAIL");
    for (const auto& r : records) {
      fmt::print("{:>6}  {:<28} {:<13} {:<21} {}\n", r.seq, util::format_rfc3339(r.received), util::printable(r.reason),
                 util::printable(r.remote), util::excerpt(r.detail, 70));
    }
  } else {
    fmt::print("{:>6}  {:<28} {:<9}  {:<36}  {}\n", "SEQ", "RECEIVED", "STATUS", "EVENT ID", "TOPIC");
    for (const auto& r : records) {
      fmt::print("{:>6}  {:<28} {:<9}  {:<36}  {}\n", r.seq, util::format_rfc3339(r.received),
                 journal::status_name(r.status), util::printable(r.event_id), util::printable(r.topic));
    }
  }
  return 0;
}

int run_show(const EventsFlags& f)
{
  auto reader = open_reader(f);
  const auto r = reader->find(f.id);
  if (!r) {
    throw Error(ExitCode::bad_input,
                fmt::format("no delivery with sequence number or eventId '{}' in the journal", util::excerpt(f.id)));
  }
  const auto body = nlohmann::ordered_json::parse(r->body, nullptr, false);
  if (as_json(f)) {
    nlohmann::ordered_json headers = nlohmann::ordered_json::array();
    for (const auto& h : r->headers) {
      headers.push_back({h.name, h.value});
    }
    nlohmann::ordered_json j{{"seq", r->seq},
                             {"received", util::format_rfc3339(r->received)},
                             {"remote", r->remote},
                             {"status", journal::status_name(r->status)},
                             {"topic", r->topic},
                             {"eventId", r->event_id},
                             {"subscriptionId", r->subscription_id},
                             {"eventDateTime", r->event_time},
                             {"headers", headers},
                             {"envelope", body}};
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return 0;
  }
  fmt::print("seq:            {}\nreceived:       {} from {}\nstatus:         {}\ntopic:          {}\n"
             "eventId:        {}\nsubscriptionId: {}\neventDateTime:  {}\n\nheaders:\n",
             r->seq, util::format_rfc3339(r->received), util::printable(r->remote), journal::status_name(r->status),
             util::printable(r->topic), util::printable(r->event_id), util::printable(r->subscription_id),
             util::printable(r->event_time));
  for (const auto& h : r->headers) {
    fmt::print("  {}: {}\n", util::printable(h.name), util::excerpt(h.value, 200));
  }
  // Pretty JSON escapes C0 controls but leaves C1 ones (and a body that is not JSON leaves everything): printable.
  fmt::print("\nbody ({} bytes):\n{}\n", r->body.size(),
             util::printable(body.is_discarded()
                                 ? r->body
                                 : body.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)));
  return 0;
}

int run_export(const EventsFlags& f)
{
  auto reader = open_reader(f);
  for (const auto& r : select(*reader, f)) {
    fmt::print("{}", f.refused ? refused_json(r) : listen::format_record(r, listen::OutputFormat::json, false));
  }
  return 0;
}

int run_stats(const EventsFlags& f)
{
  auto reader = open_reader(f);
  const auto counts = reader->counts();
  if (as_json(f)) {
    for (const auto& c : counts) { // JSON lines, as every stream acx prints
      fmt::print("{}\n", nlohmann::ordered_json{{"topic", c.topic}, {"status", c.status}, {"count", c.count}}.dump(
                             -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    }
    return 0;
  }
  std::int64_t total = 0;
  fmt::print("{:>8}  {:<24} {}\n", "COUNT", "STATUS", "TOPIC");
  for (const auto& c : counts) {
    fmt::print("{:>8}  {:<24} {}\n", c.count, util::printable(c.status), c.topic.empty() ? "-" : util::printable(c.topic));
    total += c.count;
  }
  fmt::print("{:>8}  total\n", total);
  return 0;
}

void add_common(CLI::App* cmd, EventsFlags& f)
{
  add_journal_option(cmd, f.journal);
  add_format_option(cmd, f.format, FormatDefault::by_terminal);
}

void add_filters(CLI::App* cmd, EventsFlags& f)
{
  suggest(cmd->add_option("--topic", f.topic, "Only this topic"), catalog_topic_names());
  add_time_option(cmd, "--since", f.since, "Received at or after: an RFC 3339 time, or a duration ago (1h)");
  add_time_option(cmd, "--until", f.until, "Received before: an RFC 3339 time, or a duration ago");
  cmd->add_flag("--refused", f.refused, "Refused deliveries instead of accepted ones");
}

} // namespace

void setup_events(CLI::App& app, Run& run)
{
  auto f = std::make_shared<EventsFlags>();
  auto* cmd = app.add_subcommand("events", "Query the journal (while acx listen writes it)");
  cmd->require_subcommand(1);

  auto* list = cmd->add_subcommand("list", "List deliveries in the order they were received");
  add_common(list, *f);
  add_filters(list, *f);
  list->add_option("--limit", f->limit, "Only the last N");
  list->callback([&run, f] { run = [f] { return run_list(*f); }; });

  auto* show = cmd->add_subcommand("show", "Show one delivery: headers, verdict, body");
  show->add_option("id", f->id, "Sequence number or eventId")->required();
  add_common(show, *f);
  show->callback([&run, f] { run = [f] { return run_show(*f); }; });

  auto* exp = cmd->add_subcommand("export", "Print deliveries as JSON lines (what acx replay reads)");
  add_journal_option(exp, f->journal);
  add_filters(exp, *f);
  exp->add_flag("--duplicates", f->export_duplicates,
                "Include deliveries journaled as duplicates (status \"duplicate\"): replaying them sends them again");
  exp->callback([&run, f] {
    run = [f] {
      EventsFlags e = *f;
      e.duplicates = f->export_duplicates;
      return run_export(e);
    };
  });

  auto* stats = cmd->add_subcommand("stats", "Count deliveries by topic and verdict");
  add_common(stats, *f);
  stats->callback([&run, f] { run = [f] { return run_stats(*f); }; });
}

} // namespace acx::cli
