// acx sandbox: a local emulator of the AccuLynx webhooks API that really delivers; emit and deliveries talk to it.
#include <fmt/format.h>
#include <optional>
#include <random>

#include "acx/event/json_text.hpp"
#include "acx/sandbox/admin.hpp"
#include "acx/sandbox/company.hpp"
#include "acx/sandbox/sandbox.hpp"
#include "acx/util/time.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "completion.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

// Where `acx sandbox` listens by default, and so where emit and deliveries look for it.
constexpr const char* k_default_sandbox = "http://127.0.0.1:8788/webhooks/v2";

struct SandboxFlags {
  sandbox::Options server;
  std::string sign;
  std::optional<std::uint64_t> seed;
  // emit / deliveries: the sandbox reached like the API, with subscribe's flags and profile
  ApiFlags api;
  std::string topic;
  std::string subscription;
  std::vector<std::string> assignments;
  std::string subject; // job or contact id
  std::string milestone;
  Format format = Format::text;
};

// The sandbox reached like the API, with subscribe's flags and profile; without a sandbox named, the local one (the
// real AccuLynx has no /_sandbox routes).
acculynx::Api open_sandbox(const SandboxFlags& f)
{
  acculynx::ApiOptions api = api_options(f.api, load_config(config_path(f.api)));
  if (api.base == acculynx::k_default_api_base) {
    api.base = k_default_sandbox;
  }
  if (api.api_key.empty()) {
    throw Error(ExitCode::usage, "give the sandbox's API key with --api-key, --api-key-file, ACX_API_KEY or a profile");
  }
  return acculynx::Api(api);
}

int run_emit(const SandboxFlags& f)
{
  auto api = open_sandbox(f);
  const auto queued = sandbox::admin::emit(api, {f.topic, f.subscription, f.assignments});
  if (f.format == Format::json) {
    const auto listed = sandbox::admin::to_json(queued);
    for (const auto& q : listed["deliveries"]) { // a list: JSON lines
      fmt::print("{}", event::json_line(q));
    }
  } else {
    for (const auto& q : queued) {
      fmt::print("{} -> {}\n", q.event_id, q.subscription_id);
    }
  }
  fmt::print(stderr, "acx: {} queued for {} subscription{}\n", f.topic, queued.size(), queued.size() == 1 ? "" : "s");
  return 0;
}

int run_deliveries(const SandboxFlags& f)
{
  auto api = open_sandbox(f);
  for (const auto& a : sandbox::admin::deliveries(api, f.subscription)) {
    if (f.format == Format::json) {
      fmt::print("{}", event::json_line(sandbox::admin::to_json(a)));
    } else {
      fmt::print("{}  {}  {:<40} attempt {}  {}  {:.1f} ms  {}\n", a.at, a.subscription_id, a.topic, a.attempt,
                 a.status == 0 ? std::string("---") : std::to_string(a.status), a.latency_ms, a.error);
    }
  }
  return 0;
}

int run_usage(const SandboxFlags& f)
{
  auto api = open_sandbox(f);
  const auto usage = sandbox::admin::usage(api);
  if (f.format == Format::json) {
    fmt::print("{}", event::json_line(usage));
    return 0;
  }
  const std::string you = usage.value("you", "");
  const auto seconds = usage.value("seconds", nlohmann::json::array());
  for (const auto& s : seconds) {
    std::string line = util::format_rfc3339({s.value("second", std::int64_t{0}), 0}).substr(0, 19) + "Z";
    const auto keys = s.value("keys", nlohmann::json::object());
    for (const auto& [label, n] : keys.items()) {
      line += fmt::format("  {}{} {}", label, label == you ? " (yours)" : "", n.dump());
    }
    const auto addresses = s.value("addresses", nlohmann::json::object());
    for (const auto& [address, n] : addresses.items()) {
      line += fmt::format("  {} {}", address, n.dump());
    }
    fmt::print("{}\n", line);
  }
  const auto bans = usage.value("bans", nlohmann::json::array());
  for (const auto& b : bans) {
    const std::int64_t until = b.value("untilMs", std::int64_t{0});
    fmt::print("banned {} until {}\n", b.value("address", ""), util::format_rfc3339({until / 1000, 0}));
  }
  return 0;
}

// A change the public API cannot make, then the subject as the API shows it.
int run_change(const SandboxFlags& f, const char* route, const nlohmann::json& body)
{
  auto api = open_sandbox(f);
  const auto subject = sandbox::admin::change(api, route, f.subject, body);
  if (f.format == Format::json) {
    fmt::print("{}", event::json_line(subject));
  } else {
    fmt::print("{} {}\n", subject.value("id", ""), subject.value("_link", ""));
  }
  return 0;
}

void setup_changes(CLI::App* cmd, Run& run, const std::shared_ptr<SandboxFlags>& f,
                   const std::function<void(CLI::App*)>& client_flags)
{
  auto* job = cmd->add_subcommand("job", "Change a job as AccuLynx's own screens would: its event is delivered");
  job->require_subcommand(1);
  auto* milestone = job->add_subcommand("milestone", "Move JOB to milestone NAME (job.milestone.current_changed)");
  milestone->add_option("job", f->subject, "Job id")->required();
  suggest(milestone->add_option("name", f->milestone, "Milestone")->required(), [] {
    std::vector<std::string> names;
    for (auto n : sandbox::milestone_names()) {
      names.emplace_back(n);
    }
    return names;
  }());
  client_flags(milestone);
  milestone->callback([&run, f] {
    run = [f] { return run_change(*f, sandbox::admin::k_job_milestone, {{"milestone", f->milestone}}); };
  });
  auto* update_job = job->add_subcommand("update", "Edit JOB's fields with --set PATH=VALUE (job_updated)");
  update_job->add_option("job", f->subject, "Job id")->required();
  update_job->add_option("--set", f->assignments, "A field: PATH=VALUE (repeatable)")
      ->required()
      ->allow_extra_args(false);
  client_flags(update_job);
  update_job->callback([&run, f] {
    run = [f] { return run_change(*f, sandbox::admin::k_job_update, {{"set", f->assignments}}); };
  });
  auto* subscription =
      cmd->add_subcommand("subscription", "Disable or enable a subscription, as AccuLynx may do to one that fails");
  subscription->require_subcommand(1);
  for (const char* status : {"disable", "enable"}) {
    auto* c = subscription->add_subcommand(status, std::string(status) == "disable"
                                                       ? "Disable SUBSCRIPTION: nothing is delivered to it"
                                                       : "Enable SUBSCRIPTION again");
    c->add_option("subscription", f->subject, "Subscription id")->required();
    client_flags(c);
    const std::string to = std::string(status) + "d";
    c->callback([&run, f, to] {
      run = [f, to] { return run_change(*f, sandbox::admin::k_subscription_status, {{"status", to}}); };
    });
  }
  auto* contact = cmd->add_subcommand("contact", "Change a contact: its event is delivered");
  contact->require_subcommand(1);
  auto* update_contact =
      contact->add_subcommand("update", "Edit CONTACT's fields with --set PATH=VALUE (contact_changed)");
  update_contact->add_option("contact", f->subject, "Contact id")->required();
  update_contact->add_option("--set", f->assignments, "A field: PATH=VALUE (repeatable)")
      ->required()
      ->allow_extra_args(false);
  client_flags(update_contact);
  update_contact->callback([&run, f] {
    run = [f] { return run_change(*f, sandbox::admin::k_contact_update, {{"set", f->assignments}}); };
  });
}

} // namespace

void setup_sandbox(CLI::App& app, Run& run)
{
  auto f = std::make_shared<SandboxFlags>();
  auto* cmd = app.add_subcommand("sandbox", "Run a local AccuLynx webhooks API that really delivers events");
  add_server_options(cmd, f->server.host, f->server.port, f->server.ready_file);
  cmd->add_option("--data-dir", f->server.data_dir,
                  "Where the sandbox keeps its state (default ${XDG_STATE_HOME:-~/.local/state}/acx/sandbox)");
  cmd->add_option("--api-key", f->server.api_keys,
                  "Accepted API key (repeatable; env ACX_API_KEY; default: one generated and printed)")
      ->allow_extra_args(false)
      ->envname("ACX_API_KEY");
  add_secret_file_option(cmd, "--api-key-file",
                         "Read the accepted API keys from FILE, one a line: kept out of the process list",
                         [f](std::vector<std::string> keys) {
                           f->server.api_keys.insert(f->server.api_keys.end(), keys.begin(), keys.end());
                         });
  cmd->add_flag("--chaos", f->server.chaos, "Sometimes deliver twice, and out of order");
  cmd->add_option("--drop", f->server.drop,
                  "Silently lose this share of deliveries (0 to 1), for what no receiver sees")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed,--chaos-seed", f->seed,
                  "Seed for --chaos's and --drop's choices, to repeat a run (default: random, printed)");
  add_duration_option(cmd, "--give-up-after", f->server.give_up_after,
                      "Stop retrying a delivery this long after its first attempt (default 1h)");
  cmd->add_option("--key-limit", f->server.limits.per_key,
                  "Requests a second one API key may make before 429 (AccuLynx: 10, the default; partners can ask for "
                  "more)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--address-limit", f->server.limits.per_address,
                  "Requests a second one address may make, every key together, before 429 and --ban (default 30)")
      ->check(CLI::PositiveNumber);
  add_duration_option(cmd, "--ban", f->server.limits.ban,
                      "How long an address past --address-limit is answered 429, whatever it sends (default 30s)");
  cmd->add_flag("--retry-after", f->server.retry_after, "Say Retry-After on 429 (AccuLynx documents none)");
  cmd->add_option("--sign", f->sign, "Also sign deliveries with the subscription's secret")
      ->check(one_of({"standard"}, "scheme", "the sandbox signs only with standard"));
  cmd->callback([&run, f, cmd] {
    if (cmd->get_subcommands().empty()) {
      run = [f] {
        sandbox::Options o = f->server;
        o.sign_standard = f->sign == "standard";
        o.seed = f->seed ? *f->seed : std::random_device{}();
        sandbox::Reports reports;
        reports.key_made = [](const std::string& key) {
          fmt::print("{}\n", key);
          std::fflush(stdout);
        };
        reports.notify = print_notice;
        return static_cast<int>(sandbox::run(o, reports));
      };
    }
  });

  const std::function<void(CLI::App*)> client_flags = [f](CLI::App* c) {
    add_api_options(c, f->api); // as subscribe: --api-base (default the profile's, else the local sandbox), --api-key
    add_format_option(c, f->format);
  };
  auto* emit = cmd->add_subcommand("emit", "Deliver TOPIC to every subscription of it (or one), as AccuLynx would");
  suggest(emit->add_option("topic", f->topic, "Topic")->required(), catalog_topic_names());
  emit->add_option("--subscription", f->subscription, "Only this subscription");
  emit->add_option("--set", f->assignments, "Edit a field: PATH=VALUE (repeatable)")->allow_extra_args(false);
  client_flags(emit);
  emit->callback([&run, f] { run = [f] { return run_emit(*f); }; });
  auto* deliveries = cmd->add_subcommand("deliveries", "The sandbox's delivery log: every attempt, status, latency");
  deliveries->add_option("--subscription", f->subscription, "Only this subscription");
  client_flags(deliveries);
  deliveries->callback([&run, f] { run = [f] { return run_deliveries(*f); }; });
  auto* usage = cmd->add_subcommand("usage", "What each API key and address sent, per second, and the bans");
  client_flags(usage);
  usage->callback([&run, f] { run = [f] { return run_usage(*f); }; });
  setup_changes(cmd, run, f, client_flags);
}

} // namespace acx::cli
