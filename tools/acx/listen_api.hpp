#pragma once

// What acx listen asks AccuLynx's API while it runs, with a profile and its API key: how its subscriptions are
// (--watch-subscription), reconciliation in the background (--reconcile-every), and a canary test event (--canary).
// Here, not in the listener: the listener knows nothing of the API, only the functions these give it.

#include <optional>
#include <string>

#include "acx/config/config.hpp"
#include "acx/listen/service.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

struct ListenApiFlags {
  std::optional<Duration> watch_subscription; // default 10m with a profile's API key; 0: never
  bool strict_health = false;
  std::optional<Duration> reconcile_every;
  std::optional<Duration> reconcile_window; // default twice reconcile_every
  bool reconcile_repair = false;
  std::optional<Duration> canary;
};

void add_listen_api_options(CLI::App* cmd, ListenApiFlags& flags);

// Fills the listener's options from the flags and the profile (`profile_name` in `config`; none: nothing to ask).
void apply_listen_api(const ListenApiFlags& flags, const std::string& profile_name, const std::string& config_file,
                      const config::Config* config, listen::ListenOptions& o);

} // namespace acx::cli
