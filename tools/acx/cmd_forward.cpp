// acx forward test: what a route (its jq filter and transform) makes of an event, without forwarding it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/json_text.hpp"
#include "acx/forward/consumer.hpp"
#include "acx/jq/jq.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct ForwardTestFlags {
  std::string route;
  std::string profile = "default";
  std::string config;
  std::string filter, transform;
  std::string input = "-";
  Format format = Format::text;
};

// The programs to try: the route's in the profile, or the flags'.
jq::Programs programs_of(const ForwardTestFlags& f)
{
  if (f.route.empty()) {
    for (const auto& [flag, program] : {std::pair{"--filter", &f.filter}, {"--transform", &f.transform}}) {
      if (const auto error = program->empty() ? std::nullopt : jq::compile_error(*program)) {
        throw Error(ExitCode::usage, fmt::format("{} is not a jq program: {}", flag, *error));
      }
    }
    return {f.filter, f.transform};
  }
  forward::Wanted w;
  const auto c = load_config(config_path(f.config));
  const auto* profile = c.find(f.profile);
  if (!profile) {
    throw Error(ExitCode::usage, fmt::format("no profile '{}' in {}", f.profile, config_path(f.config)));
  }
  w.routes = profile->routes;
  std::vector<std::string> names;
  for (const auto& consumer : forward::consumers(w)) {
    if (consumer.name == f.route) {
      return consumer.programs;
    }
    names.push_back(consumer.name);
  }
  throw Error(ExitCode::usage,
              fmt::format("profile '{}' has no route named '{}'{}", f.profile, util::printable(f.route),
                          names.empty() ? "" : fmt::format(" (it has: {})", fmt::join(names, ", "))));
}

int run_forward_test(const ForwardTestFlags& f)
{
  const jq::Programs programs = programs_of(f);
  const std::string body = util::read_input(f.input);
  const auto out = jq::Runner(programs).run(body);
  const bool taken = out.verdict == jq::Outcome::Verdict::pass;
  if (f.format == Format::json) {
    nlohmann::ordered_json j{{"taken", taken}};
    if (taken) {
      j["transformed"] = !programs.transform.empty();
      j["body"] = body == out.body ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(out.body);
    } else {
      j[out.verdict == jq::Outcome::Verdict::skip ? "filter" : "error"] = out.why;
    }
    fmt::print("{}", event::json_line(j));
  } else if (taken) {
    fmt::print("{}{}", out.body, out.body.ends_with('\n') ? "" : "\n");
  } else {
    fmt::print(stderr, "acx: {}\n",
               out.verdict == jq::Outcome::Verdict::skip ? "not taken: the filter gave " + out.why
                                                         : "would be dead: " + out.why);
  }
  if (out.verdict == jq::Outcome::Verdict::fail) {
    return static_cast<int>(ExitCode::bad_input);
  }
  return taken ? 0 : static_cast<int>(ExitCode::failed);
}

} // namespace

void setup_forward(CLI::App& app, Run& run)
{
  auto f = std::make_shared<ForwardTestFlags>();
  auto* forward = app.add_subcommand("forward", "Try forwarding routes without forwarding");
  forward->require_subcommand(1);
  auto* cmd = forward->add_subcommand(
      "test", "Show what a route's jq filter and transform make of an event: the body it would forward");
  cmd->add_option("file", f->input, "The event (an AccuLynx envelope); - or none: standard input");
  cmd->add_option("--route", f->route, "A route of the profile, by its name (or its URL when it has none)");
  cmd->add_option("--profile", f->profile, "Profile whose routes --route names")->capture_default_str();
  cmd->add_option("--config", f->config, "Config file (default ${XDG_CONFIG_HOME:-~/.config}/acx/config.toml)");
  cmd->add_option("--filter", f->filter, "A jq filter to try instead of a route's (as listen --forward-filter)");
  cmd->add_option("--transform", f->transform, "A jq transform to try instead of a route's (--forward-transform)");
  add_format_option(cmd, f->format, FormatDefault::text, std::nullopt, JsonShape::object);
  cmd->callback([&run, f] {
    run = [f] {
      if (!f->route.empty() && !(f->filter.empty() && f->transform.empty())) {
        throw Error(ExitCode::usage, "--route tries the route's programs: give it, or --filter/--transform");
      }
      if (f->route.empty() && f->filter.empty() && f->transform.empty()) {
        throw Error(ExitCode::usage, "forward test needs --route NAME, or --filter and/or --transform");
      }
      return run_forward_test(*f);
    };
  });
}

} // namespace acx::cli
