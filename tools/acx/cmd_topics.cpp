// acx topics: the AccuLynx topic catalog.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/contract/schemas.hpp"
#include "acx/contract/shape.hpp"
#include "acx/event/json_text.hpp"
#include "acx/event/topics.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct TopicsOptions {
  Format format = Format::text;
  bool long_form = false;
};

// The topic's event as its schema describes it (acx schema show TOPIC for all of it).
std::string shape_of(std::string_view topic)
{
  const auto* schema = contract::SchemaSet::shipped().find(topic);
  return schema ? contract::event_shape(*schema) : "";
}

int run_topics(const TopicsOptions& o)
{
  if (o.format == Format::json) { // a list: JSON lines
    for (const auto& t : event::topics()) {
      fmt::print(
          "{}",
          event::json_line(nlohmann::ordered_json{
              {"name", t.name}, {"description", t.description}, {"shape", shape_of(t.name)}, {"legacy", t.legacy}}));
    }
    return 0;
  }
  std::size_t width = 0;
  for (const auto& t : event::topics()) {
    width = std::max(width, t.name.size());
  }
  for (const auto& t : event::topics()) {
    fmt::print("{:<{}}  {}\n", t.name, width, t.description);
    if (o.long_form) {
      fmt::print("{:<{}}  event: {}\n", "", width, shape_of(t.name));
    }
  }
  return 0;
}

} // namespace

void setup_topics(CLI::App& app, Run& run)
{
  auto o = std::make_shared<TopicsOptions>();
  auto* cmd = app.add_subcommand("topics", "List the AccuLynx webhook topics acx knows");
  cmd->add_flag("-l,--long", o->long_form,
                "Also show the shape of each topic's event object, from its schema (? marks an optional member)");
  add_format_option(cmd, o->format);
  cmd->callback([&run, o] { run = [o] { return run_topics(*o); }; });
}

} // namespace acx::cli
