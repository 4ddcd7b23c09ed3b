// acx fixtures list | show TOPIC [--fresh]: the realistic sample delivery of each topic.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/fixtures.hpp"
#include "acx/event/json_text.hpp"
#include "acx/event/topics.hpp"
#include "acx/util/error.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct FixturesOptions {
  Format format = Format::text;
  std::string topic;
  bool fresh = false;
};

int run_list(const FixturesOptions& o)
{
  const auto names = event::fixture_topics();
  if (o.format == Format::json) {
    for (auto n : names) { // a list: JSON lines
      fmt::print("{}", event::json_line(nlohmann::ordered_json{{"topic", n}}));
    }
  } else {
    for (auto n : names) {
      fmt::print("{}\n", n);
    }
  }
  return 0;
}

int run_show(const FixturesOptions& o)
{
  const auto fixture = event::find_fixture(o.topic);
  if (!fixture) {
    throw Error(ExitCode::usage, fmt::format("no fixture for topic '{}': see `acx fixtures list`", o.topic));
  }
  fmt::print("{}", o.fresh ? event::freshen(*fixture, util::now()) : std::string(*fixture));
  return 0;
}

} // namespace

void setup_fixtures(CLI::App& app, Run& run)
{
  auto o = std::make_shared<FixturesOptions>();
  auto* cmd = app.add_subcommand("fixtures", "Sample deliveries, one per topic");
  cmd->require_subcommand(1);

  auto* list = cmd->add_subcommand("list", "List the topics that have a fixture");
  add_format_option(list, o->format);
  list->callback([&run, o] { run = [o] { return run_list(*o); }; });

  auto* show = cmd->add_subcommand("show", "Print a topic's fixture (the exact file)");
  show->add_option("topic", o->topic, "Topic name")
      ->required()
      ->check(one_of(fixture_topic_names(), "topic", "see `acx fixtures list`"));
  show->add_flag("--fresh", o->fresh, "With a new eventId and eventDateTime now");
  show->callback([&run, o] { run = [o] { return run_show(*o); }; });
}

} // namespace acx::cli
