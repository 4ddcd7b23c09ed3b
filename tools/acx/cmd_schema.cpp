// acx schema list | show TOPIC | learn | diff A B | export: each topic's payload as a JSON Schema.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/contract/diff.hpp"
#include "acx/contract/learn.hpp"
#include "acx/contract/publish.hpp"
#include "acx/contract/shape.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/build.hpp"
#include "acx/util/error.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

using Json = nlohmann::ordered_json;

struct SchemaOptions {
  Format format = Format::text;
  std::string schemas; // --schemas DIR; empty: the shipped set
  std::string topic;
  // learn
  std::string journal;
  std::optional<util::Instant> since;
  bool enums = false;
  std::string out;
  // diff
  std::string before, after;
  // export
  bool openapi = false, asyncapi = false;
  std::string path = "/webhooks/acculynx";
};

const nlohmann::ordered_json& find_schema(const contract::SchemaSet& set, const std::string& topic)
{
  const auto* s = set.find(topic);
  if (!s) {
    throw Error(ExitCode::usage, fmt::format("no schema for topic '{}': see `acx schema list`", topic));
  }
  return *s;
}

int run_list(const SchemaOptions& o)
{
  const auto set = contract::SchemaSet::with_dir(o.schemas);
  for (const auto& topic : set.topics()) {
    std::map<std::string, int> by_source;
    const auto members = contract::members(*set.find(topic));
    for (const auto& m : members) {
      ++by_source[m.source.empty() ? "unsaid" : m.source.substr(0, m.source.find_first_of(",;"))];
    }
    if (o.format == Format::json) {
      fmt::print("{}", event::json_line(Json{{"topic", topic}, {"members", members.size()}, {"sources", by_source}}));
      continue;
    }
    std::vector<std::string> sources;
    for (const auto& [source, n] : by_source) {
      sources.push_back(fmt::format("{} {}", n, source));
    }
    fmt::print("{:<50} {:>3} members  {}\n", topic, members.size(), fmt::join(sources, ", "));
  }
  return 0;
}

int run_show(const SchemaOptions& o)
{
  fmt::print("{}", contract::schema_text(find_schema(contract::SchemaSet::with_dir(o.schemas), o.topic)));
  return 0;
}

// How a learned schema stands against the one acx knows, in learn's words.
std::string learned_word(contract::Change::What w)
{
  using What = contract::Change::What;
  switch (w) {
  case What::added:
    return "new";
  case What::removed:
    return "unseen";
  case What::optional:
    return "sometimes absent";
  case What::required:
    return "always present";
  case What::topic_added:
    return "new topic";
  default:
    return std::string(contract::what_name(w));
  }
}

int run_learn(const SchemaOptions& o)
{
  contract::Learner learner({o.enums});
  auto reader = journal::Reader::open(journal_path(o.journal));
  journal::Query q;
  q.duplicates = false;
  q.topic = o.topic;
  q.since = o.since;
  q.decode_headers = false;
  std::size_t unreadable = 0;
  journal::read_each(*reader, q, [&](journal::Record& r) {
    if (journal::reconciled(r)) { // rebuilt by acx, not sent by AccuLynx
      return;
    }
    const auto body = event::parse_untrusted(r.body);
    body.is_object() ? learner.add(r.topic, body) : void(++unreadable);
  });
  const auto learned = learner.schemas();
  if (learned.empty()) {
    throw Error(ExitCode::bad_input, fmt::format("no deliveries to learn from in {}{}{}", journal_path(o.journal),
                                                 o.topic.empty() ? "" : " of topic " + o.topic,
                                                 o.since ? " since " + util::format_rfc3339(*o.since) : ""));
  }
  const auto known = contract::SchemaSet::with_dir(o.schemas);
  for (const auto& topic : learned.topics()) {
    const auto* mine = known.find(topic);
    auto changes = mine ? contract::diff(topic, *mine, *learned.find(topic)) : std::vector<contract::Change>{};
    std::erase_if(changes, [&](const auto& c) { return !o.enums && c.what == contract::Change::What::values; });
    if (o.format == Format::json) {
      Json report{{"topic", topic}, {"deliveries", learner.count(topic)}, {"known", mine != nullptr}};
      auto list = Json::array();
      for (const auto& c : changes) {
        list.push_back({{"what", learned_word(c.what)}, {"path", c.path}, {"detail", c.detail}});
      }
      report["differences"] = std::move(list);
      fmt::print("{}", event::json_line(report));
      continue;
    }
    fmt::print("{}: {} deliver{}, {}\n", topic, learner.count(topic), learner.count(topic) == 1 ? "y" : "ies",
               !mine             ? "a topic acx has no schema for"
               : changes.empty() ? "as acx's schema says"
                                 : "differs:");
    for (const auto& c : changes) {
      fmt::print("  {:<16} {}  {}\n", learned_word(c.what), c.path, c.detail);
    }
  }
  if (unreadable > 0) {
    fmt::print(stderr, "acx: warning: {} deliveries are not JSON objects and taught nothing\n", unreadable);
  }
  if (!o.out.empty()) {
    learned.write_dir(o.out);
    fmt::print(stderr, "acx: wrote {} schema{} to {} (acx listen --contract warn --schemas {})\n",
               learned.topics().size(), learned.topics().size() == 1 ? "" : "s", o.out, o.out);
  }
  return 0;
}

contract::SchemaSet schema_set(const std::string& where)
{
  return contract::SchemaSet::with_dir(where == "shipped" ? "" : where);
}

int run_diff(const SchemaOptions& o)
{
  const auto changes = contract::diff(schema_set(o.before), schema_set(o.after));
  std::size_t breaking = 0;
  for (const auto& c : changes) {
    breaking += c.breaking ? 1 : 0;
    if (o.format == Format::json) {
      fmt::print("{}", event::json_line(Json{{"topic", c.topic},
                                             {"path", c.path},
                                             {"what", contract::what_name(c.what)},
                                             {"detail", c.detail},
                                             {"breaking", c.breaking}}));
    } else {
      fmt::print("{:<8} {} {}  {} ({})\n", c.breaking ? "BREAKING" : "ok", c.topic, c.path.empty() ? "" : c.path,
                 contract::what_name(c.what), c.detail);
    }
  }
  if (o.format == Format::text) {
    fmt::print(stderr, "acx: {} change{}, {} breaking for a receiver\n", changes.size(), changes.size() == 1 ? "" : "s",
               breaking);
  }
  return breaking > 0 ? static_cast<int>(ExitCode::failed) : 0;
}

int run_export(const SchemaOptions& o)
{
  if (o.openapi == o.asyncapi) {
    throw Error(ExitCode::usage, "acx schema export: give --openapi or --asyncapi");
  }
  const auto set = contract::SchemaSet::with_dir(o.schemas);
  const contract::Publication p{util::build().version, o.path};
  fmt::print("{}", contract::schema_text(o.openapi ? contract::openapi(set, p) : contract::asyncapi(set, p)));
  return 0;
}

void add_schemas_option(CLI::App* cmd, SchemaOptions& o)
{
  cmd->add_option("--schemas", o.schemas,
                  "A directory of <topic>.json schemas (acx schema learn --out writes one), in place of "
                  "the shipped ones for their topics");
}

} // namespace

void setup_schema(CLI::App& app, Run& run)
{
  auto o = std::make_shared<SchemaOptions>();
  auto* cmd = app.add_subcommand("schema", "Each topic's payload as a JSON Schema: show, learn, diff, export");
  cmd->require_subcommand(1);

  auto* list = cmd->add_subcommand("list", "List the topics that have a schema, and what their members rest on");
  add_schemas_option(list, *o);
  add_format_option(list, o->format);
  list->callback([&run, o] { run = [o] { return run_list(*o); }; });

  auto* show = cmd->add_subcommand("show", "Print a topic's schema (JSON Schema 2020-12)");
  show->add_option("topic", o->topic, "Topic name")->required();
  add_schemas_option(show, *o);
  show->callback([&run, o] { run = [o] { return run_show(*o); }; });

  auto* learn = cmd->add_subcommand("learn", "Infer each topic's schema from the journal's deliveries and say how it "
                                             "differs from the one acx knows");
  add_journal_option(learn, o->journal);
  learn->add_option("--topic", o->topic, "Only this topic, or pattern (job.*)");
  add_time_option(learn, "--since", o->since, "Deliveries received at or after: an RFC 3339 time, or a duration ago");
  learn->add_flag("--enums", o->enums, "Strings with a few distinct values become an enum");
  learn->add_option("--out", o->out, "Write the learned schemas to DIR (<topic>.json), for --schemas");
  add_schemas_option(learn, *o);
  add_format_option(learn, o->format);
  learn->callback([&run, o] { run = [o] { return run_learn(*o); }; });

  auto* diff = cmd->add_subcommand("diff", "What changed from schema set A to B, and whether it breaks a receiver "
                                           "(exit 1 when something does)");
  diff->add_option("a", o->before,
                   "A directory of schemas (in place of the shipped ones for their topics), or 'shipped'")
      ->required();
  diff->add_option("b", o->after,
                   "A directory of schemas (in place of the shipped ones for their topics), or 'shipped'")
      ->required();
  add_format_option(diff, o->format);
  diff->callback([&run, o] { run = [o] { return run_diff(*o); }; });

  auto* exp = cmd->add_subcommand("export", "Write the schemas as an OpenAPI 3.1 (webhooks) or AsyncAPI 3.0 document");
  exp->add_flag("--openapi", o->openapi, "OpenAPI 3.1: one webhooks entry per topic");
  exp->add_flag("--asyncapi", o->asyncapi, "AsyncAPI 3.0: one message per topic");
  exp->add_option("--path", o->path, "The path your receiver takes deliveries on")->capture_default_str();
  add_schemas_option(exp, *o);
  exp->callback([&run, o] { run = [o] { return run_export(*o); }; });
}

} // namespace acx::cli
