// acx trigger: make the change that makes AccuLynx (or the sandbox) send a topic's real event, and wait for it.
#include <fmt/format.h>
#include <thread>

#include "acx/event/json_text.hpp"
#include "acx/journal/journal.hpp"
#include "acx/trigger/trigger.hpp"
#include "acx/util/text.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "command_tree.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct TriggerFlags {
  ApiFlags api;
  std::string topic;
  std::vector<std::string> assignments;
  std::optional<Duration> wait;
  std::string journal;
  Format format = Format::text;
};

// The journal to watch: --journal, the profile's, or the default one.
std::string journal_of(const TriggerFlags& f, const config::Config& config)
{
  const config::Profile* p = config.find(f.api.profile);
  return journal_path(!f.journal.empty() ? f.journal : p ? p->journal : std::string());
}

// The sequence number deliveries after the change will come after (0 while the journal does not exist yet).
std::int64_t last_seq(const std::string& journal)
{
  try {
    return journal::Reader::open(journal)->last_seq();
  } catch (const Error&) {
    return 0;
  }
}

// The delivery of the caused topic naming the subject, in the journal after `after`, by `deadline`.
std::optional<journal::Record> arrival(const std::string& journal, const trigger::Caused& c, std::int64_t after,
                                       std::chrono::steady_clock::time_point deadline)
{
  std::unique_ptr<journal::Reader> reader;
  journal::Query q;
  q.after_seq = after;
  q.topic = c.topic;
  q.text = c.subject().id;
  q.duplicates = false;
  q.decode_headers = false;
  for (;;) {
    try {
      if (!reader) {
        reader = journal::Reader::open(journal);
      }
      if (const auto found = reader->read(q); !found.empty()) {
        return found.front();
      }
    } catch (const Error&) {
      reader.reset(); // not there yet, or out of reach for a moment: tried again
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    // Another process writes the journal: nothing wakes this one, so it looks again shortly.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

double ms_between(util::Instant a, util::Instant b)
{
  return static_cast<double>(b.seconds - a.seconds) * 1000.0 + static_cast<double>(b.ticks - a.ticks) / 10'000.0;
}

void print(const TriggerFlags& f, const trigger::Caused& c, const std::optional<journal::Record>& got)
{
  if (f.format == Format::json) {
    auto made = nlohmann::ordered_json::array();
    for (const auto& m : c.made) {
      made.push_back({{"kind", m.kind}, {"id", m.id}, {"_link", m.link}, {"action", m.action}});
    }
    nlohmann::ordered_json out{{"topic", c.topic}, {"made", made}, {"changedAt", util::format_rfc3339(c.changed_at)}};
    if (f.wait) {
      out["arrived"] = got ? nlohmann::ordered_json{{"seq", got->seq},
                                                    {"eventId", got->event_id},
                                                    {"received", util::format_rfc3339(got->received)},
                                                    {"ms", ms_between(c.changed_at, got->received)}}
                           : nlohmann::ordered_json();
    }
    fmt::print("{}", event::json_line(out));
    return;
  }
  for (const auto& m : c.made) {
    fmt::print("{:<7} {} {:<7}  {}\n", m.kind, m.id, m.action, m.link);
  }
  if (got) {
    fmt::print("{} arrived: journal seq {}, eventId {}, {:.1f} ms after the change\n", c.topic, got->seq,
               util::printable(got->event_id), ms_between(c.changed_at, got->received));
  }
}

int run_trigger(const TriggerFlags& f)
{
  const auto config = load_config(config_path(f.api));
  acculynx::Api api(api_options(f.api, config));
  bool sandbox = false;
  for (const auto& c : trigger::causes()) {
    if (c.topic == f.topic && !c.public_api) {
      sandbox = trigger::is_sandbox(api); // only then does it matter
    }
  }
  const std::string journal = f.wait ? journal_of(f, config) : std::string();
  const std::int64_t after = f.wait ? last_seq(journal) : 0;
  const auto caused = trigger::cause(api, f.topic, f.assignments, sandbox);
  std::optional<journal::Record> got;
  if (f.wait) {
    fmt::print(stderr, "acx: {} caused for {} {}; waiting up to {} for its delivery in {}\n", f.topic,
               caused.subject().kind, caused.subject().id, util::format_duration(*f.wait), journal::shown(journal));
    got = arrival(journal, caused, after, std::chrono::steady_clock::now() + *f.wait);
  }
  print(f, caused, got);
  if (f.wait && !got) {
    fmt::print(stderr,
               "acx: no {} delivery for {} {} reached {} within {} (is acx listen running, subscribed to {}?)\n",
               f.topic, caused.subject().kind, caused.subject().id, journal::shown(journal),
               util::format_duration(*f.wait), f.topic);
    return static_cast<int>(ExitCode::timeout);
  }
  return 0;
}

} // namespace

void setup_trigger(CLI::App& app, Run& run)
{
  auto f = std::make_shared<TriggerFlags>();
  auto* cmd =
      app.add_subcommand("trigger", "Make the change in AccuLynx (or acx sandbox) that sends TOPIC's real event");
  std::vector<std::string> topics;
  for (const auto& c : trigger::causes()) {
    topics.emplace_back(c.topic);
  }
  suggest(cmd->add_option("topic", f->topic, "Topic to cause")->required(), topics);
  cmd->add_option("--set", f->assignments,
                  "Choose a value: PATH=VALUE of the job (jobName=Smith), contact.PATH of the contact, milestone=NAME "
                  "(repeatable)")
      ->allow_extra_args(false);
  add_duration_option(cmd, "--wait", f->wait,
                      "Watch the journal until the delivery arrives, for up to this long (say 30s); exit 6 if not")
      ->expected(0, 1)
      ->default_str("30s");
  add_journal_option(cmd, f->journal);
  add_api_options(cmd, f->api);
  add_format_option(cmd, f->format);
  cmd->callback([&run, f] { run = [f] { return run_trigger(*f); }; });
}

} // namespace acx::cli
