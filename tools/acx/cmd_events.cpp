// acx events list | show | export | stats: read the journal, while acx listen writes it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "acx/contract/drift.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"
#include "acx/forward/consumer.hpp"
#include "acx/forward/standing.hpp"
#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/prune.hpp"
#include "acx/journal/trace.hpp"
#include "acx/present/drift.hpp"
#include "acx/present/format.hpp"
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
  std::string subscription;
  std::string text;
  std::optional<util::Instant> since;
  std::optional<util::Instant> until;
  std::size_t limit = 0;
  bool refused = false;
  bool drift = false;             // only deliveries that differ from their topic's schema
  bool duplicates = true;         // list and show them (marked); export leaves them out unless:
  bool export_duplicates = false; // --duplicates
  Format format = Format::text;
  std::string id;
  // Consumers (listen --forward-to, --exec).
  std::string consumer;
  std::string state = "pending";
  bool dead = false;
  // Pruning.
  std::optional<Duration> older_than;
  std::optional<util::Instant> before;
  std::size_t keep_size = 0;
  bool dry_run = false;
};

std::unique_ptr<journal::Outbox> open_outbox(const EventsFlags& f)
{
  return journal::Outbox::open(journal_path(f.journal));
}

journal::ConsumerInfo consumer_of(journal::Outbox& outbox, const std::string& name)
{
  if (auto c = outbox.consumer(name)) {
    return *c;
  }
  std::vector<std::string> names;
  for (const auto& c : outbox.consumers()) {
    names.push_back(util::printable(c.name));
  }
  throw Error(ExitCode::usage,
              fmt::format("no consumer '{}' in the journal; {}", util::excerpt(name),
                          names.empty() ? std::string("none has forwarded yet (acx listen --forward-to)")
                                        : fmt::format("there are: {}", fmt::join(names, ", "))));
}

// The accepted records that stand as `f.state` with `f.consumer`, in order.
std::vector<journal::Record> consumer_records(journal::Reader& reader, const EventsFlags& f)
{
  auto outbox = open_outbox(f);
  std::vector<journal::Record> out;
  for (const auto s :
       forward::standing(reader, *outbox, consumer_of(*outbox, f.consumer), *journal::parse_handed(f.state))) {
    if (auto r = reader.find(std::to_string(s))) {
      out.push_back(std::move(*r));
    }
  }
  if (f.limit > 0 && out.size() > f.limit) {
    out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(f.limit));
  }
  return out;
}

int run_retry(const EventsFlags& f)
{
  if (f.dead && !f.id.empty()) {
    throw Error(ExitCode::usage, "--dead and --id: one event, or every dead one, not both");
  }
  auto outbox = open_outbox(f);
  std::vector<journal::ConsumerInfo> consumers;
  if (f.consumer.empty()) {
    consumers = outbox->consumers();
    if (consumers.empty()) {
      throw Error(ExitCode::usage, "no consumer in the journal: none has forwarded yet (acx listen --forward-to)");
    }
  } else {
    consumers.push_back(consumer_of(*outbox, f.consumer));
  }
  std::optional<std::int64_t> seq;
  if (!f.id.empty()) {
    auto reader = journal::Reader::open(journal_path(f.journal));
    const auto r = reader->find(f.id);
    if (!r || r->status != journal::Status::accepted) {
      throw Error(
          ExitCode::bad_input,
          fmt::format("no accepted delivery with sequence number or eventId '{}' in the journal", util::excerpt(f.id)));
    }
    seq = r->seq;
  }
  for (const auto& c : consumers) {
    const std::size_t n = outbox->requeue(c.name, seq, !f.dead);
    fmt::print(stderr, "acx: {} due again for {}{}\n", util::plural(n, "event"), util::printable(c.name),
               n == 0 ? ""
                      : fmt::format(": a running acx listen tries {} within a second (else the next one that forwards "
                                    "to it)",
                                    n == 1 ? "it" : "them"));
  }
  return 0;
}

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
  warn_unknown_topic(f.topic);
  q.topic = f.topic;
  q.subscription = util::to_lower(f.subscription);
  q.text = f.text;
  q.refused = f.refused;
  q.drift = f.drift;
  q.duplicates = f.duplicates;
  q.since = f.since;
  q.until = f.until;
  return q;
}

// Every record the filters select, in order; with --limit, the last ones.
std::vector<journal::Record> select(journal::Reader& reader, const EventsFlags& f)
{
  return journal::read_all(reader, query_of(f), f.limit);
}

// "  drift: 3" after a delivery that differed from its topic's schema in 3 ways.
std::string drift_mark(const journal::Record& r)
{
  const auto n = r.drift.empty() ? 0 : contract::parse_drift(r.drift).size();
  return n == 0 ? "" : fmt::format("  drift: {}", n);
}

int run_list(const EventsFlags& f)
{
  auto reader = open_reader(f);
  const auto records = f.consumer.empty() ? select(*reader, f) : consumer_records(*reader, f);
  if (as_json(f)) {
    for (const auto& r : records) {
      fmt::print("{}", present::format_record(r, present::OutputFormat::json, false));
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
    fmt::print("{:>6}  {:<28} {:<10}  {:<36}  {}\n", "SEQ", "RECEIVED", "STATUS", "EVENT ID", "TOPIC");
    for (const auto& r : records) {
      fmt::print("{:>6}  {:<28} {:<10}  {:<36}  {}{}\n", r.seq, util::format_rfc3339(r.received),
                 !f.consumer.empty()                                               ? std::string_view(f.state)
                 : journal::reconciled(r) && r.status == journal::Status::accepted ? std::string_view("reconciled")
                                                                                   : journal::status_name(r.status),
                 util::printable(r.event_id), util::printable(r.topic), drift_mark(r));
    }
  }
  return 0;
}

// Every consumer's attempts at the event; none when the journal has no outbox (or cannot be written to add one).
// The delivery's trace id, and whose it is.
std::string trace_text(const journal::Record& r)
{
  const auto t = journal::trace_of(r);
  return t.trace_id + (t.from_sender ? " (the sender's traceparent)" : " (acx's: forwards carry it in traceparent)");
}

std::vector<journal::HandOver> forwards_of(const EventsFlags& f, std::int64_t seq)
{
  try {
    return open_outbox(f)->attempts(seq);
  } catch (const Error&) {
    return {};
  }
}

// A delivery's drift as JSON: an array, empty when it conformed or was not checked.
std::string drift_json(const journal::Record& r)
{
  const std::string text = contract::drift_text(contract::parse_drift(r.drift));
  return text.empty() ? "[]" : text;
}

int run_show(const EventsFlags& f)
{
  auto reader = open_reader(f);
  const auto r = reader->find(f.id);
  if (!r) {
    throw Error(ExitCode::bad_input, journal::not_found(*reader, f.id));
  }
  if (as_json(f)) {
    // The envelope as received, keys in their order: never parsed into a tree (ordered_json is quadratic in an
    // object's keys); a body that is not JSON is shown as a string.
    constexpr std::string_view k_placeholder = "@@acx-envelope@@";
    const bool json_body = nlohmann::json::accept(r->body);
    nlohmann::ordered_json headers = nlohmann::ordered_json::array();
    for (const auto& h : r->headers) {
      headers.push_back({h.name, h.value});
    }
    nlohmann::ordered_json j{{"seq", r->seq},
                             {"received", util::format_rfc3339(r->received)},
                             {"remote", r->remote},
                             {"status", journal::status_name(r->status)},
                             {"reconciled", journal::reconciled(*r)},
                             {"topic", r->topic},
                             {"eventId", r->event_id},
                             {"subscriptionId", r->subscription_id},
                             {"eventDateTime", r->event_time},
                             {"traceId", journal::trace_of(*r).trace_id},
                             {"headers", headers},
                             {"envelope", json_body ? std::string(k_placeholder) : r->body}};
    auto forwards = nlohmann::ordered_json::array();
    for (const auto& h : forwards_of(f, r->seq)) {
      forwards.push_back({{"consumer", h.consumer},
                          {"attempt", h.attempt},
                          {"at", util::format_rfc3339(h.at)},
                          {"status", h.status},
                          {"ms", h.ms},
                          {"answer", h.answer},
                          {"state", journal::handed_name(h.state)}});
    }
    j["forwards"] = forwards;
    j["drift"] = nlohmann::ordered_json::parse(drift_json(*r));
    std::string text = event::json_text(j, 2);
    if (json_body) {
      const std::string slot = fmt::format("\"envelope\": \"{}\"", k_placeholder);
      text.replace(text.find(slot), slot.size(), "\"envelope\": " + std::string(util::trim(r->body)));
    }
    fmt::print("{}\n", text);
    return 0;
  }
  fmt::print("seq:            {}\nreceived:       {} from {}\nstatus:         {}\ntopic:          {}\n"
             "eventId:        {}\nsubscriptionId: {}\neventDateTime:  {}\ntrace:          {}\n\nheaders:\n",
             r->seq, util::format_rfc3339(r->received), util::printable(r->remote),
             journal::reconciled(*r) ? fmt::format("{} (reconciled: rebuilt by acx reconcile --repair from the API, "
                                                   "never delivered by AccuLynx)",
                                                   journal::status_name(r->status))
                                     : std::string(journal::status_name(r->status)),
             util::printable(r->topic), util::printable(r->event_id), util::printable(r->subscription_id),
             util::printable(r->event_time), trace_text(*r));
  for (const auto& h : r->headers) {
    fmt::print("  {}: {}\n", util::printable(h.name), util::excerpt(h.value, 200));
  }
  if (const auto drift = contract::parse_drift(r->drift); !drift.empty()) {
    fmt::print("\ndrift from the schema of {}:\n", util::printable(r->topic));
    for (const auto& d : drift) {
      fmt::print("  {}\n", util::printable(contract::describe(d)));
    }
  }
  if (const auto forwards = forwards_of(f, r->seq); !forwards.empty()) {
    fmt::print("\nhanded over:\n");
    for (const auto& h : forwards) {
      // Status 0: no HTTP status (no answer, or a NATS publish, whose answer names the stream and its seq).
      fmt::print("  {}  {}  attempt {}{} in {:.1f} ms{} ({})\n", util::format_rfc3339(h.at),
                 util::printable(h.consumer), h.attempt, h.status != 0 ? fmt::format(": {}", h.status) : "", h.ms,
                 h.answer.empty() ? "" : ": " + util::printable(h.answer), journal::handed_name(h.state));
    }
  }
  // Untrusted text on a terminal: printable line by line (its line breaks kept), pretty or not.
  const auto pretty = event::pretty_json(r->body);
  fmt::print("\nbody ({} bytes):\n", r->body.size());
  for (const auto line : util::split(pretty ? *pretty : r->body, '\n')) {
    fmt::print("{}\n", util::printable(line));
  }
  return 0;
}

int run_export(const EventsFlags& f)
{
  auto reader = open_reader(f);
  // Streamed: a page at a time, whatever the journal's size.
  journal::read_each(*reader, query_of(f), [](const journal::Record& r) {
    fmt::print("{}", present::format_record(r, present::OutputFormat::json, false));
  });
  return 0;
}

std::string megabytes(std::uint64_t bytes)
{
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

int run_prune(const EventsFlags& f)
{
  journal::Retention retention;
  std::vector<std::string> said;
  if (f.older_than) {
    retention.since = util::now();
    retention.since->seconds -= std::chrono::duration_cast<std::chrono::seconds>(*f.older_than).count();
    said.push_back("older than " + util::format_duration(*f.older_than));
  }
  if (f.before) {
    retention.since = retention.since ? std::max(*retention.since, *f.before) : *f.before;
    said.push_back("before " + util::format_rfc3339(*f.before));
  }
  if (f.keep_size > 0) {
    retention.max_bytes = f.keep_size;
    said.push_back(fmt::format("beyond {}", megabytes(f.keep_size)));
  }
  if (!retention.any()) {
    throw Error(ExitCode::usage, "say what to prune: --older-than DURATION, --before TIME or --keep-size SIZE");
  }
  const auto p = journal::Pruner::open(journal_path(f.journal))->prune(retention, f.dry_run);
  if (as_json(f)) {
    fmt::print("{}", event::json_line(nlohmann::ordered_json{{"dryRun", f.dry_run},
                                                             {"deliveries", p.deliveries},
                                                             {"refused", p.refused},
                                                             {"keptBack", p.kept_back},
                                                             {"keptFor", p.kept_for},
                                                             {"prunedBelow", p.below},
                                                             {"bytesBefore", p.bytes_before},
                                                             {"bytesAfter", p.bytes_after}}));
    return 0;
  }
  fmt::print("{} {} deliver{} and {} refused ({}); every delivery before #{} is gone\n",
             f.dry_run ? "would prune" : "pruned", p.deliveries, p.deliveries == 1 ? "y" : "ies", p.refused,
             fmt::join(said, ", "), p.below);
  if (p.kept_back > 0) {
    fmt::print("kept {} back: consumer {} has not handed them over yet (acx events list --consumer)\n", p.kept_back,
               util::printable(p.kept_for));
  }
  if (!f.dry_run) {
    fmt::print("journal {} -> {}{}\n", megabytes(p.bytes_before), megabytes(p.bytes_after),
               p.shrinks                                       ? ""
               : journal::is_database(journal_path(f.journal)) ? " (the rows' own bytes: PostgreSQL reuses the space "
                                                                 "of deleted rows, its files keep their size)"
                                                               : " (a journal created before acx gave pages back: "
                                                                 "freed pages are reused, the file keeps its size)");
  }
  return 0;
}

void print_extent(const journal::Extent& e, const std::string& path, bool json)
{
  const std::string oldest = e.oldest_received ? util::format_rfc3339(*e.oldest_received) : "";
  if (json) {
    fmt::print("{}", event::json_line(nlohmann::ordered_json{{"journal", journal::shown(path)},
                                                             {"engine", e.engine.empty() ? "SQLite" : e.engine},
                                                             {"bytes", e.file_bytes},
                                                             {"walBytes", e.wal_bytes},
                                                             {"oldestSeq", e.oldest_seq},
                                                             {"oldestReceived", oldest},
                                                             {"newestSeq", e.newest_seq},
                                                             {"prunedBelow", e.pruned_below},
                                                             {"prunedAt", e.pruned_at},
                                                             {"retention", e.retention}}));
    return;
  }
  if (e.engine.empty()) {
    fmt::print("journal   {} ({}, WAL {})\n", path, megabytes(e.file_bytes), megabytes(e.wal_bytes));
  } else {
    fmt::print("journal   {} ({}, {})\n", journal::shown(path), e.engine, megabytes(e.file_bytes));
  }
  fmt::print("oldest    {}\n", e.oldest_seq > 0 ? fmt::format("#{} received {}", e.oldest_seq, oldest) : "-");
  fmt::print("newest    {}\n", e.newest_seq > 0 ? fmt::format("#{}", e.newest_seq) : "-");
  fmt::print("retention {}\n",
             e.retention.empty() ? "none: every delivery is kept (acx listen --retain)" : util::printable(e.retention));
  fmt::print("pruned    {}\n\n", e.pruned_below > 0
                                     ? fmt::format("every delivery before #{}, last at {}", e.pruned_below, e.pruned_at)
                                     : "never");
}

// Per topic, the deliveries that differed from its schema, and how: JSON lines, or a section for people.
void print_drift(const std::vector<present::TopicDrift>& drift, bool json)
{
  auto when = [](const util::Instant& t) { return util::format_rfc3339(t); };
  for (const auto& t : drift) {
    if (json) {
      auto paths = nlohmann::ordered_json::array();
      for (const auto& [path, p] : t.paths) {
        paths.push_back({{"path", path},
                         {"kinds", p.kinds},
                         {"deliveries", p.deliveries},
                         {"first", when(p.first)},
                         {"last", when(p.last)}});
      }
      fmt::print("{}", event::json_line(nlohmann::ordered_json{{"topic", t.topic},
                                                               {"drift", t.deliveries},
                                                               {"first", when(t.first)},
                                                               {"last", when(t.last)},
                                                               {"paths", paths}}));
      continue;
    }
    fmt::print("{}drift  {}: {} deliver{} differed from its schema, first {}, last {}\n",
               &t == &drift.front() ? "\n" : "", util::printable(t.topic), t.deliveries,
               t.deliveries == 1 ? "y" : "ies", when(t.first), when(t.last));
    for (const auto& [path, p] : t.paths) {
      fmt::print("  {:>6}  {:<40} {}  first {}, last {}\n", p.deliveries, util::printable(path),
                 fmt::join(p.kinds, ","), when(p.first), when(p.last));
    }
  }
}

int run_stats(const EventsFlags& f)
{
  auto reader = open_reader(f);
  const auto counts = reader->counts();
  const std::string path = journal_path(f.journal);
  const auto drift = present::drift_summary(*reader, {});
  const auto extent = reader->extent();
  // Each forward consumer's lag: the accepted events above its watermark not yet delivered or dead.
  struct Lag {
    journal::ConsumerInfo info;
    std::int64_t waiting;
  };
  std::vector<Lag> lags;
  auto outbox = open_outbox(f);
  for (auto& c : outbox->consumers()) {
    const auto waiting = outbox->waiting(c.name);
    lags.push_back({std::move(c), waiting});
  }
  if (as_json(f)) {
    for (const auto& c : counts) { // JSON lines, as every stream acx prints
      fmt::print(
          "{}", event::json_line(nlohmann::ordered_json{{"topic", c.topic}, {"status", c.status}, {"count", c.count}}));
    }
    for (const auto& c : lags) {
      fmt::print("{}", event::json_line(nlohmann::ordered_json{{"consumer", c.info.name},
                                                               {"watermark", c.info.watermark},
                                                               {"waiting", c.waiting},
                                                               {"holder", c.info.holder},
                                                               {"circuitOpenSince", c.info.circuit_open_since}}));
    }
    print_drift(drift, true);
    print_extent(extent, path, true); // the last line: the journal itself
    return 0;
  }
  print_extent(extent, path, false);
  for (const auto& c : lags) {
    fmt::print("consumer  {}: {} waiting after #{}{}{}\n", util::printable(c.info.name), c.waiting, c.info.watermark,
               c.info.holder.empty() ? "" : fmt::format(", handed over by {}", util::printable(c.info.holder)),
               c.info.circuit_open_since.empty()
                   ? ""
                   : fmt::format(", circuit open since {}", util::printable(c.info.circuit_open_since)));
  }
  fmt::print("{}", lags.empty() ? "" : "\n");
  std::int64_t total = 0;
  fmt::print("{:>8}  {:<24} {}\n", "COUNT", "STATUS", "TOPIC");
  for (const auto& c : counts) {
    fmt::print("{:>8}  {:<24} {}\n", c.count, util::printable(c.status),
               c.topic.empty() ? "-" : util::printable(c.topic));
    total += c.status == "reconciled" ? 0 : c.count; // of the accepted ones
  }
  fmt::print("{:>8}  total\n", total);
  print_drift(drift, false);
  return 0;
}

void add_common(CLI::App* cmd, EventsFlags& f, JsonShape shape = JsonShape::lines)
{
  add_journal_option(cmd, f.journal);
  add_format_option(cmd, f.format, FormatDefault::by_terminal, std::nullopt, shape);
}

void add_filters(CLI::App* cmd, EventsFlags& f)
{
  suggest(cmd->add_option("--topic", f.topic, "Only topics that match this pattern (job.* is every job topic)"),
          catalog_topic_names());
  cmd->add_option("--subscription", f.subscription, "Only this subscriptionId");
  cmd->add_option("--text", f.text, "Only deliveries with these words (or word starts) in the body, eventId or topic");
  add_time_option(cmd, "--since", f.since, "Received at or after: an RFC 3339 time, or a duration ago (1h)");
  add_time_option(cmd, "--until", f.until, "Received before: an RFC 3339 time, or a duration ago");
  cmd->add_flag("--refused", f.refused, "Refused deliveries instead of accepted ones");
  cmd->add_flag("--drift", f.drift,
                "Only deliveries whose event differs from its topic's schema (acx listen --contract)");
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
  list->add_option("--limit", f->limit, "Only the last N")->check(CLI::Range(1, 1000000000));
  list->add_option("--consumer", f->consumer, "Events as they stand with a consumer (its URL, command or --name)");
  list->add_option("--state", f->state, "With --consumer: pending, delivered or dead")
      ->check(one_of({"pending", "delivered", "dead"}, "state", "expected pending, delivered or dead"))
      ->capture_default_str();
  list->callback([&run, f] { run = [f] { return run_list(*f); }; });

  auto* show = cmd->add_subcommand("show", "Show one delivery: headers, verdict, body");
  show->add_option("id", f->id, "Sequence number or eventId")->required();
  add_common(show, *f, JsonShape::object);
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

  auto* retry = cmd->add_subcommand(
      "retry",
      "Try events again now: a consumer's dead ones and those waiting out a backoff (listen --forward-to, --exec)");
  retry->add_option("--consumer", f->consumer,
                    "The consumer: its URL (token hidden), command, or --name (default: every one)");
  retry->add_flag("--dead", f->dead,
                  "Only the events given up on (default: those and the ones waiting to be tried again)");
  retry->add_option("--id", f->id, "One event: sequence number or eventId (whatever became of it)");
  add_journal_option(retry, f->journal);
  retry->callback([&run, f] { run = [f] { return run_retry(*f); }; });

  auto* prune = cmd->add_subcommand("prune", "Remove old deliveries (never one a consumer still has to take)");
  add_duration_option(prune, "--older-than", f->older_than, "Deliveries received longer ago than this (30d)");
  add_time_option(prune, "--before", f->before, "Deliveries received before this RFC 3339 time");
  add_size_option(prune, "--keep-size", f->keep_size, "The oldest deliveries until the journal fits this (10GiB)");
  prune->add_flag("--dry-run", f->dry_run, "Say what would go; remove nothing");
  add_common(prune, *f);
  prune->callback([&run, f] { run = [f] { return run_prune(*f); }; });

  auto* stats =
      cmd->add_subcommand("stats", "The journal's size, oldest event, retention, and counts by topic and verdict");
  add_common(stats, *f);
  stats->callback([&run, f] { run = [f] { return run_stats(*f); }; });
}

} // namespace acx::cli
