#include "listen_api.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/acculynx/api.hpp"
#include "acx/hydrate/hydrator.hpp"
#include "acx/reconcile/pass.hpp"
#include "api_flags.hpp"

namespace acx::cli {

namespace {

// The API client for one of the listener's threads (each its own; the budget is shared through its file), or none
// when the profile has no API key (or ACX_API_KEY): then `wanted` says which flag needed one.
std::shared_ptr<acculynx::Api> api_for(const std::string& profile, const std::string& config_file,
                                       const config::Config& config, const char* wanted)
{
  ApiFlags flags;
  flags.profile = profile;
  flags.config = config_file;
  auto options = api_options(flags, config);
  if (options.api_key.empty()) {
    if (wanted) {
      throw Error(ExitCode::usage,
                  fmt::format("{} asks AccuLynx's API: the profile has no api_key (or set ACX_API_KEY)", wanted));
    }
    return nullptr;
  }
  return std::make_shared<acculynx::Api>(options);
}

// --watch-subscription: 10 minutes unless given (0: never), when the profile has an API key.
std::optional<listen::SubscriptionWatchOptions> watch_of(const ListenApiFlags& f, const config::Profile& profile,
                                                         std::shared_ptr<acculynx::Api> api)
{
  if (!api || (f.watch_subscription && f.watch_subscription->count() == 0)) {
    return std::nullopt;
  }
  listen::SubscriptionWatchOptions w;
  for (const auto& s : profile.subscriptions) {
    w.ids.push_back(s.id);
  }
  w.status = [api](const std::string& id) -> std::string {
    try {
      return api->show(id).status;
    } catch (const acculynx::ApiError& e) {
      if (e.status() == 404) {
        return "missing";
      }
      throw;
    }
  };
  w.every = f.watch_subscription ? *f.watch_subscription : std::chrono::minutes(10);
  w.strict = f.strict_health;
  return w;
}

// --reconcile-every: a pass over the last --reconcile-window but its newest moments (min(2m, DURATION/2): deliveries of
// them may still be on their way), repairing into the listener's journal with --reconcile-repair.
listen::ReconcileOptions reconcile_of(const ListenApiFlags& f, const config::Profile& profile,
                                      std::shared_ptr<acculynx::Api> api, const std::string& journal)
{
  listen::ReconcileOptions r;
  r.every = *f.reconcile_every;
  r.window = f.reconcile_window ? *f.reconcile_window : 2 * r.every;
  reconcile::Plan base;
  base.repair = f.reconcile_repair;
  for (const auto& s : profile.subscriptions) {
    for (const auto& t : s.topics) {
      base.topics.insert(t);
      base.subscription_of.try_emplace(t, s.id);
    }
  }
  const auto settle = std::min<Duration>(std::chrono::minutes(2), r.every / 2);
  r.pass = [api, base, journal, settle](journal::Writer& writer, util::Instant since, std::stop_token stop) {
    auto plan = base;
    plan.window = {since, util::now()};
    plan.window.until.seconds -= std::chrono::duration_cast<std::chrono::seconds>(settle).count();
    auto reader = journal::Reader::open(journal);
    const std::size_t before = api->requests();
    const auto report = reconcile::pass(*api, *reader, &writer, plan, stop, {});
    return listen::ReconcileOutcome{report.read.changes.size(), report.result.matched, report.result.missed.size(),
                                    report.repaired, api->requests() - before};
  };
  return r;
}

// --canary: a test event of the first subscription's first topic.
listen::CanaryOptions canary_of(const ListenApiFlags& f, const config::Profile& profile,
                                std::shared_ptr<acculynx::Api> api)
{
  const auto& s = profile.subscriptions.front();
  if (s.topics.empty()) {
    throw Error(ExitCode::usage, fmt::format("--canary: subscription {} has no topic to test", s.id));
  }
  listen::CanaryOptions c;
  c.every = *f.canary;
  c.topic = s.topics.front();
  c.ask = [api, id = s.id, topic = c.topic] { return api->test_event(id, topic); };
  return c;
}

} // namespace

void add_listen_api_options(CLI::App* cmd, ListenApiFlags& f)
{
  add_duration_option(cmd, "--watch-subscription", f.watch_subscription,
                      "With --profile and its API key: ask AccuLynx how its subscriptions are every DURATION (default "
                      "10m; 0: never); one disabled or missing shows on /healthz");
  cmd->add_flag("--strict-health", f.strict_health,
                "/healthz answers 503, not 200 degraded, while a subscription is disabled or missing");
  add_duration_option(cmd, "--reconcile-every", f.reconcile_every,
                      "With --profile and its API key: run acx reconcile in the background every DURATION (and at "
                      "start); /healthz, /metrics and the log say what it found");
  add_duration_option(cmd, "--reconcile-window", f.reconcile_window,
                      "How far back each background pass looks (default twice --reconcile-every)");
  cmd->add_flag("--reconcile-repair", f.reconcile_repair,
                "Journal a rebuilt event for each change a background pass finds missed (as acx reconcile --repair)");
  add_duration_option(cmd, "--canary", f.canary,
                      "With --profile and its API key: ask AccuLynx for a test event every DURATION and time its "
                      "arrival (acx_canary_seconds); warn when it does not come");
}

// Hydration, when a consumer asks for it: one hydrator (and cache) for the listener's consumers.
void hydrate_for(const std::string& profile_name, const std::string& config_file, const config::Config* config,
                 listen::ListenOptions& o)
{
  const bool wanted = std::any_of(o.consumers.begin(), o.consumers.end(),
                                  [](const forward::Consumer& c) { return !c.hydrate.empty(); });
  if (!wanted) {
    return;
  }
  ApiFlags flags;
  flags.profile = profile_name;
  flags.config = config_file;
  auto options = api_options(flags, config ? *config : config::Config{});
  if (options.api_key.empty()) {
    throw Error(ExitCode::usage, "--hydrate (or a route's hydrate) fetches from AccuLynx's API: give --profile with "
                                 "an api_key, or set ACX_API_KEY");
  }
  o.forwarding.hydrate = std::make_shared<hydrate::ApiHydrator>(options);
}

void apply_listen_api(const ListenApiFlags& f, const std::string& profile_name, const std::string& config_file,
                      const config::Config* config, listen::ListenOptions& o)
{
  hydrate_for(profile_name, config_file, config, o);
  const config::Profile* profile = config ? config->find(profile_name) : nullptr;
  const bool asked = f.reconcile_every || f.canary;
  if (!profile || profile->subscriptions.empty()) {
    if (asked || (f.watch_subscription && f.watch_subscription->count() > 0)) {
      throw Error(ExitCode::usage, "--reconcile-every, --canary and --watch-subscription need --profile with a "
                                   "subscription (acx subscribe makes one)");
    }
    return;
  }
  const char* wanted = f.reconcile_every                                           ? "--reconcile-every"
                       : f.canary                                                  ? "--canary"
                       : f.watch_subscription && f.watch_subscription->count() > 0 ? "--watch-subscription"
                                                                                   : nullptr;
  o.subscription_watch = watch_of(f, *profile, api_for(profile_name, config_file, *config, wanted));
  if (f.reconcile_every && f.reconcile_every->count() > 0) {
    o.reconcile =
        reconcile_of(f, *profile, api_for(profile_name, config_file, *config, wanted), journal_path(o.journal));
  }
  if (f.canary && f.canary->count() > 0) {
    o.canary = canary_of(f, *profile, api_for(profile_name, config_file, *config, wanted));
  }
}

} // namespace acx::cli
