#pragma once

// The flags that reach the AccuLynx API (or the sandbox) and the config, shared by subscribe, subscriptions and
// sandbox's client commands.

#include <CLI/CLI.hpp>
#include <string>

#include "acx/acculynx/api.hpp"
#include "acx/config/config.hpp"
#include "options.hpp"

namespace acx::cli {

struct ApiFlags {
  std::string api_base; // --api-base, else ACX_API_BASE, else the profile's, else AccuLynx's
  std::string api_key;  // --api-key, else ACX_API_KEY, else the profile's
  std::string profile = "default";
  std::string config;   // --config, else ${XDG_CONFIG_HOME:-~/.config}/acx/config.toml
  int rate = 0;         // --api-rate, else the profile's, else 8
  int machine_rate = 0; // --api-machine-rate, else the profile's, else 25
};

void add_api_options(CLI::App* cmd, ApiFlags& flags);

// The config path the flags name: --config, else the default one.
std::string config_path(const std::string& flag);
std::string config_path(const ApiFlags& flags);

// config::load, its warnings shown on stderr.
config::Config load_config(const std::string& path);

// The profile `name` in the config the flag names, which must hold subscriptions (acx subscribe's); a usage error
// saying to run acx subscribe otherwise.
config::Profile subscribed_profile(const std::string& config_flag, const std::string& name);

// The profile's first subscription as a target for a command that delivers to it (check, send): its URL (without the
// token), its id, and its credential put into `scheme` unless the flags gave a secret, by the rule acx listen
// --profile uses (token_in_path: the token is the URL's last segment).
struct SubscribedTarget {
  std::string url;
  std::string subscription;
  bool token_in_path = false;
};
SubscribedTarget subscribed_target(const std::string& config_flag, const std::string& profile, SchemeFlags& scheme);

// API options resolved from flags, environment and profile (in that order), with the budget shared by the user's acx
// processes (${XDG_STATE_HOME:-~/.local/state}/acx/api-budget) and its pauses said on stderr.
acculynx::ApiOptions api_options(const ApiFlags& flags, const config::Config& config);

} // namespace acx::cli
