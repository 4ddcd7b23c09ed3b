#include "api_flags.hpp"

#include "acx/config/credentials.hpp"

#include "options.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "acx/config/paths.hpp"

namespace acx::cli {

void add_api_options(CLI::App* cmd, ApiFlags& f)
{
  cmd->add_option("--api-base", f.api_base, "API base URL (env ACX_API_BASE; default the profile's, else AccuLynx's)");
  cmd->add_option("--api-key", f.api_key, "API key (env ACX_API_KEY; default the profile's); never printed");
  add_secret_file_option(cmd, "--api-key-file", "Read the API key from FILE: kept out of the process list",
                         [&f](std::vector<std::string> keys) { f.api_key = keys.front(); });
  cmd->add_option("--profile", f.profile, "Config profile")->capture_default_str();
  cmd->add_option("--api-rate", f.rate,
                  "Requests a second to the API with this key, every acx process together (default 8; at most 10)")
      ->check(CLI::Range(1, acculynx::k_key_limit));
  cmd->add_option("--api-machine-rate", f.machine_rate,
                  "Requests a second to the API from this machine, every key together (default 25; at most 30)")
      ->check(CLI::Range(1, acculynx::k_address_limit));
  cmd->add_option("--config", f.config, "Config file (default ${XDG_CONFIG_HOME:-~/.config}/acx/config.toml)");
}

std::string config_path(const std::string& flag)
{
  return config::config_path(flag);
}

std::string config_path(const ApiFlags& f)
{
  return config_path(f.config);
}

config::Config load_config(const std::string& path)
{
  config::Config c = config::load(path);
  for (const auto& w : c.warnings) {
    fmt::print(stderr, "acx: warning: {}\n", w);
  }
  return c;
}

config::Profile subscribed_profile(const std::string& config_flag, const std::string& name)
{
  const std::string path = config_path(config_flag);
  const auto cfg = load_config(path);
  const config::Profile* p = cfg.find(name);
  if (!p || p->subscriptions.empty()) {
    throw Error(ExitCode::usage,
                fmt::format("profile '{}' in {} has no subscriptions: run acx subscribe first", name, path));
  }
  return *p;
}

SubscribedTarget subscribed_target(const std::string& config_flag, const std::string& profile, SchemeFlags& scheme)
{
  const config::Profile p = subscribed_profile(config_flag, profile);
  const auto& sub = p.subscriptions.front();
  SubscribedTarget t{sub.url, sub.id, false};
  if (scheme.secrets.empty()) {
    const auto c = config::credentials({sub}, asked_scheme(scheme));
    scheme.scheme = signing::traits(c.kind).name;
    scheme.secrets = c.secrets;
    t.token_in_path = c.kind == signing::Kind::token && c.token_in_path;
  }
  return t;
}

acculynx::ApiOptions api_options(const ApiFlags& f, const config::Config& c)
{
  acculynx::ApiOptions o;
  const config::Profile* p = c.find(f.profile);
  const char* env_base = std::getenv("ACX_API_BASE");
  const char* env_key = std::getenv("ACX_API_KEY");
  o.base = !f.api_base.empty()         ? f.api_base
           : env_base && *env_base     ? std::string(env_base)
           : p && !p->api_base.empty() ? p->api_base
                                       : std::string(acculynx::k_default_api_base);
  o.api_key = !f.api_key.empty()    ? f.api_key
              : env_key && *env_key ? std::string(env_key)
              : p                   ? p->api_key
                                    : std::string();
  const acculynx::BudgetRules defaults;
  o.budget.per_key = f.rate != 0 ? f.rate : p && p->api_rate != 0 ? p->api_rate : defaults.per_key;
  o.budget.per_machine = f.machine_rate != 0             ? f.machine_rate
                         : p && p->api_machine_rate != 0 ? p->api_machine_rate
                                                         : defaults.per_machine;
  try {
    o.budget_file = config::state_file("api-budget", "XDG_STATE_HOME");
  } catch (const Error&) {
    // Neither XDG_STATE_HOME nor HOME: nowhere to share it, so this process keeps to the budget alone.
  }
  o.say = [](const std::string& line) { fmt::print(stderr, "acx: {}\n", line); };
  return o;
}

} // namespace acx::cli
