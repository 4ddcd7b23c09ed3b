// acx api: AccuLynx's REST API by hand (get, paginated) within the budget every acx process shares, and that budget.
#include <fmt/format.h>

#include "acx/event/json_text.hpp"
#include "acx/util/time.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct ApiCommandFlags {
  ApiFlags api;
  std::string target;
  bool paginate = false;
  Format format = Format::text;
};

int run_get(const ApiCommandFlags& f)
{
  acculynx::Api api(api_options(f.api, load_config(config_path(f.api))));
  if (f.paginate) {
    const std::size_t n = api.each_item(f.target, [](const nlohmann::json& item) {
      fmt::print("{}", event::json_line(item));
      std::fflush(stdout);
    });
    fmt::print(stderr, "acx: {} item{}\n", n, n == 1 ? "" : "s");
    return 0;
  }
  const auto answer = api.rest("GET", f.target);
  fmt::print("{}", f.format == Format::json ? event::json_line(answer) : event::json_text(answer, 2) + "\n");
  return 0;
}

std::string until_text(std::int64_t ms)
{
  return ms == 0 ? std::string()
                 : "paused until " + util::format_rfc3339({ms / 1000, static_cast<std::int32_t>(ms % 1000) * 10'000});
}

int run_usage(const ApiCommandFlags& f)
{
  const auto options = api_options(f.api, load_config(config_path(f.api)));
  const acculynx::Budget budget(options.budget_file, options.budget);
  const auto u = budget.usage();
  const std::string yours = options.api_key.empty() ? "" : acculynx::budget_label(options.api_key);
  if (f.format == Format::json) {
    auto keys = nlohmann::ordered_json::array();
    for (const auto& k : u.keys) {
      keys.push_back({{"key", k.label},
                      {"yours", k.label == yours},
                      {"lastMinute", k.last_minute},
                      {"lastSecond", k.last_second},
                      {"pausedUntilMs", k.paused_until_ms}});
    }
    fmt::print("{}", event::json_line(nlohmann::ordered_json{{"file", budget.path()},
                                                             {"perKey", options.budget.per_key},
                                                             {"perMachine", options.budget.per_machine},
                                                             {"lastMinute", u.last_minute},
                                                             {"lastSecond", u.last_second},
                                                             {"pausedUntilMs", u.all_paused_until_ms},
                                                             {"keys", keys}}));
    return 0;
  }
  fmt::print("budget: {} requests a second per key, {} from this machine (AccuLynx allows {} and {}); shared in {}\n",
             options.budget.per_key, options.budget.per_machine, acculynx::k_key_limit, acculynx::k_address_limit,
             budget.path().empty() ? std::string("this process alone") : budget.path());
  fmt::print("{:<22} {:>11} {:>11}  {}\n", "KEY", "LAST MINUTE", "LAST SECOND", "");
  for (const auto& k : u.keys) {
    fmt::print("{:<22} {:>11} {:>11}  {}\n", k.label + (k.label == yours ? " (yours)" : ""), k.last_minute,
               k.last_second, until_text(k.paused_until_ms));
  }
  fmt::print("{:<22} {:>11} {:>11}  {}\n", "all", u.last_minute, u.last_second, until_text(u.all_paused_until_ms));
  return 0;
}

} // namespace

void setup_api(CLI::App& app, Run& run)
{
  auto f = std::make_shared<ApiCommandFlags>();
  auto* cmd = app.add_subcommand("api", "Call AccuLynx's REST API, and show the request budget acx keeps to");
  cmd->require_subcommand(1);
  auto* get = cmd->add_subcommand("get", "GET a path of the REST API (/jobs, /contacts/ID...) or an item's _link");
  get->add_option("path", f->target, "A path under /api/v2 (with its query), or a _link URL on the API's origin")
      ->required();
  get->add_flag("--paginate", f->paginate, "Follow every page of a list: one item a line (JSON lines)");
  add_api_options(get, f->api);
  add_format_option(get, f->format);
  get->callback([&run, f] { run = [f] { return run_get(*f); }; });
  auto* usage = cmd->add_subcommand("usage", "The budget, and what every acx process spent of it in the last minute");
  add_api_options(usage, f->api);
  add_format_option(usage, f->format);
  usage->callback([&run, f] { run = [f] { return run_usage(*f); }; });
}

} // namespace acx::cli
