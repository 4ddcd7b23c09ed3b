// acx send: deliver simulated AccuLynx events the way a provider does (signed, retried), including adversarial ones.
#include <fmt/format.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

#include "acx/deliver/load.hpp"
#include "acx/deliver/prepare.hpp"
#include "acx/event/json_text.hpp"
#include "acx/event/source.hpp"
#include "acx/util/text.hpp"
#include "acx/util/thread.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"
#include "command.hpp"
#include "completion.hpp"
#include "delivery_flags.hpp"
#include "interrupt.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct SendFlags {
  std::vector<std::string> events;
  std::string to;
  std::string profile;
  std::string config;
  std::string subscription;
  std::vector<std::string> assignments;
  std::string drift; // --drift KIND
  bool keep_ids = false;
  SchemeFlags scheme;
  DeliveryFlags delivery;
  std::size_t duplicate = 1;
  bool out_of_order = false;
  std::optional<Duration> skew;
  bool tamper = false;
  bool wrong_secret = false;
  // Load mode.
  std::size_t count = 1;
  std::size_t connections = 1;
  double rate = 0;
  std::optional<Duration> duration;
  bool retries_given = false;
};

bool load_mode(const SendFlags& f)
{
  return f.count > 1 || f.connections > 1 || f.rate > 0 || f.duration;
}

// A one-line progress bar on stderr, redrawn every 200 ms until its thread is asked to stop.
void show_progress(const deliver::LoadProgress& p, std::size_t total, std::stop_token stop)
{
  const auto start = std::chrono::steady_clock::now();
  while (!util::pause(stop, std::chrono::milliseconds(200))) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto sent = p.sent.load();
    std::string bar;
    if (total > 0) {
      const auto filled = static_cast<std::size_t>(30.0 * static_cast<double>(sent) / static_cast<double>(total));
      bar = "[" + std::string(std::min<std::size_t>(filled, 30), '=') +
            std::string(30 - std::min<std::size_t>(filled, 30), ' ') + "] ";
    }
    fmt::print(stderr, "\r{}{}{} sent, {:.0f}/s, {} failed   ", bar, sent, total > 0 ? fmt::format("/{}", total) : "",
               secs > 0 ? static_cast<double>(sent) / secs : 0.0, p.failed.load());
  }
  fmt::print(stderr, "\r{}\r", std::string(78, ' '));
}

// The load's summary on stdout, as text or JSON; returns how many requests ended in an error.
std::uint64_t print_load(const deliver::LoadResult& result, Format format, bool interrupted)
{
  const double secs = std::chrono::duration<double>(result.elapsed).count();
  const double rps = secs > 0 ? static_cast<double>(result.sent) / secs : 0;
  auto ms = [](std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1000.0; };
  const auto& l = result.latency;
  std::uint64_t refused = 0;
  for (const auto& [status, n] : result.refused) {
    refused += n;
  }
  std::uint64_t errors = 0;
  for (const auto& [what, n] : result.errors) {
    errors += n;
  }
  if (format == Format::json) {
    nlohmann::ordered_json by_status = nlohmann::ordered_json::object();
    for (const auto& [status, n] : result.refused) {
      by_status[std::to_string(status)] = n;
    }
    nlohmann::ordered_json by_error = nlohmann::ordered_json::object();
    for (const auto& [what, n] : result.errors) {
      by_error[what] = n;
    }
    const nlohmann::ordered_json j{{"sent", result.sent},
                                   {"accepted", result.accepted},
                                   {"duplicates", result.duplicates},
                                   {"refused", by_status},
                                   {"errors", by_error},
                                   {"seconds", secs},
                                   {"interrupted", interrupted},
                                   {"eventsPerSecond", rps},
                                   {"latencyMs",
                                    {{"p50", ms(l.percentile(50))},
                                     {"p90", ms(l.percentile(90))},
                                     {"p99", ms(l.percentile(99))},
                                     {"max", ms(l.max())}}}};
    fmt::print("{}", event::json_line(j));
  } else {
    fmt::print("sent        {}\naccepted    {}\nduplicates  {}\n", result.sent, result.accepted, result.duplicates);
    fmt::print("refused     {}", refused);
    for (const auto& [status, n] : result.refused) {
      fmt::print("  ({}: {})", status, n);
    }
    fmt::print("\nerrors      {}", errors);
    for (const auto& [what, n] : result.errors) {
      fmt::print("  ({}: {})", what, n);
    }
    fmt::print("\nevents/s    {:.0f}\nlatency     p50 {:.2f} ms  p90 {:.2f} ms  p99 {:.2f} ms  max {:.2f} ms\n", rps,
               ms(l.percentile(50)), ms(l.percentile(90)), ms(l.percentile(99)), ms(l.max()));
  }
  return errors;
}

int run_load(const SendFlags& f, const deliver::PrepareOptions& o, const std::vector<deliver::Outgoing>& prototypes)
{
  deliver::LoadOptions lo;
  lo.count = !f.duration ? f.count : (f.count > 1 ? f.count : 0);
  lo.connections = f.connections;
  lo.rate = f.rate;
  if (f.duration) {
    lo.duration = *f.duration;
  }
  lo.client.timeout = f.delivery.timeout;
  lo.client.verify_tls = !f.delivery.insecure;
  const Interrupt interrupt; // Ctrl-C or SIGTERM: the summary of what was sent so far, exit 130 or 143
  lo.stop = interrupt.token();

  const deliver::Signer signer(o);
  std::vector<deliver::RequestFactory> factories;
  for (const auto& p : prototypes) {
    factories.push_back(deliver::stamping_factory(
        p, [&signer](std::string body, std::string id) { return signer.sign(std::move(body), std::move(id)); }));
  }
  const deliver::RequestFactory make = [&factories](std::size_t i) { return factories[i % factories.size()](i); };

  deliver::LoadProgress progress;
  util::Thread bar;
  if (f.delivery.format == Format::text && ::isatty(STDERR_FILENO) == 1) {
    bar = util::Thread("acx-progress", [&](std::stop_token stop) { show_progress(progress, lo.count, stop); });
  }
  const auto result = deliver::run_load(lo, make, progress);
  bar.request_stop();
  bar.join();

  const auto errors = print_load(result, f.delivery.format, interrupt.asked());
  if (interrupt.asked()) {
    std::fflush(stdout);
    fmt::print(stderr, "acx: interrupted: the summary covers the {} sent before the stop\n",
               util::plural(result.sent, "request"));
    return interrupt.exit_code();
  }
  return static_cast<int>(result.accepted == result.sent && result.sent > 0 ? ExitCode::ok
                          : errors > 0 && result.accepted == 0              ? ExitCode::network
                                                                            : ExitCode::failed);
}

// Where to deliver and how to sign: the flags, or the profile acx subscribe wrote (its first subscription's URL, id
// and credential), as acx check --profile takes them.
void target_of(const SendFlags& f, deliver::PrepareOptions& o)
{
  SchemeFlags scheme = f.scheme;
  o.url = f.to;
  if (!f.subscription.empty()) {
    o.subscription = f.subscription;
  }
  if (!f.profile.empty()) {
    const auto t = subscribed_target(f.config, f.profile, scheme);
    if (o.url.empty()) {
      o.url = t.url;
    }
    if (!o.subscription) {
      o.subscription = t.subscription;
    }
    if (t.token_in_path && !scheme.secrets.empty()) { // the token is the URL's last segment: nothing signs
      o.url = (o.url.ends_with("/") ? o.url : o.url + "/") + scheme.secrets.front();
      scheme.scheme = "none";
      scheme.secrets.clear();
    }
  }
  if (o.url.empty()) {
    throw Error(ExitCode::usage, "give --to URL (or --profile, whose subscription names it)");
  }
  o.scheme = scheme_options(scheme);
}

int run_send(const SendFlags& f)
{
  deliver::PrepareOptions o;
  target_of(f, o);
  o.extra_headers = collect_headers(f.delivery.headers);
  o.fresh = !f.keep_ids;
  o.assignments = f.assignments;
  o.drift = f.drift.empty() ? std::nullopt : contract::parse_variation(f.drift);
  o.duplicate = f.duplicate;
  o.out_of_order = f.out_of_order;
  if (f.skew) {
    o.skew = std::chrono::duration_cast<std::chrono::seconds>(*f.skew);
  }
  o.tamper = f.tamper;
  o.wrong_secret = f.wrong_secret;
  if (load_mode(f)) {
    if (f.duplicate > 1 || f.out_of_order || f.retries_given) {
      throw Error(ExitCode::usage, "load mode (-n, -c, --rate, --duration) sends distinct events: --duplicate, "
                                   "--out-of-order and --retries do not apply");
    }
    // The prototypes carry the edits (--subscription, --set); the load stamps and signs each request itself.
    deliver::PrepareOptions prototype_options = o;
    prototype_options.tamper = false;
    prototype_options.extra_headers = {};
    return run_load(f, o, deliver::prepare(event::load_sources(f.events), prototype_options));
  }
  const auto requests = deliver::prepare(event::load_sources(f.events), o);
  // Copies of one event go out together, as a provider's overlapping retries would.
  return deliver_and_report(requests, f.delivery, f.duplicate > 1 ? f.duplicate : 1);
}

} // namespace

void setup_send(CLI::App& app, Run& run)
{
  auto f = std::make_shared<SendFlags>();
  auto* cmd = app.add_subcommand("send", "Deliver simulated events (a topic's fixture, or files) to a URL, signed");
  suggest(cmd->add_option("event", f->events, "TOPIC (its fixture), FILE, directory, JSON lines, or - for stdin")
              ->required(),
          fixture_topic_names(), true);
  cmd->add_option("--to", f->to, "URL to deliver to (with --profile: the subscription's, unless given)")
      ->check(url_validator());
  cmd->add_option("--profile", f->profile,
                  "Deliver to the subscription acx subscribe stored here: its URL, token (or signing secret) and id");
  cmd->add_option("--config", f->config, "Config file (default ${XDG_CONFIG_HOME:-~/.config}/acx/config.toml)");
  cmd->add_option("--subscription", f->subscription, "Set subscriptionId");
  cmd->add_option("--set", f->assignments,
                  "Edit a field: PATH=VALUE, e.g. event.job.milestone.name=Approved (JSON "
                  "values accepted; repeatable)")
      ->allow_extra_args(false);
  std::vector<std::string> kinds;
  for (const auto v : contract::variations()) {
    kinds.emplace_back(contract::variation_name(v));
  }
  cmd->add_option("--drift", f->drift,
                  "Vary the event as AccuLynx may without warning: unknown-member (members your receiver does not "
                  "know), null-optional, absent-optional (an optional member null or left out), reordered")
      ->check(one_of(kinds, "drift kind", "expected unknown-member, null-optional, absent-optional or reordered"));
  cmd->add_flag("--keep-ids", f->keep_ids, "Keep the eventId and eventDateTime of the source (default: fresh ones)");
  add_scheme_options(cmd, f->scheme, SecretUse::sign);
  add_delivery_options(cmd, f->delivery);
  cmd->get_option("--retries")->each([f](const std::string&) { f->retries_given = true; });
  auto* adv = cmd->add_option_group("Adversarial", "Deliveries that test the receiving end");
  adv->add_option("--duplicate", f->duplicate, "Deliver each event K times, concurrently, with the same eventId")
      ->check(CLI::Range(1, 1000));
  adv->add_flag("--out-of-order", f->out_of_order, "With several events (or --duplicate), send them shuffled");
  add_signed_duration_option(adv, "--skew", f->skew, "Move eventDateTime and the signature timestamp, e.g. -10m or 1h");
  adv->add_flag("--tamper", f->tamper, "Alter the body after signing");
  adv->add_flag("--wrong-secret", f->wrong_secret, "Sign with a random secret instead of --secret");
  auto* load = cmd->add_option_group("Load", "Many distinct, individually signed events; a summary at the end");
  load->add_option("-n,--requests", f->count, "How many requests")->check(CLI::PositiveNumber);
  load->add_option("-c,--connections", f->connections, "Concurrent keep-alive connections")->check(CLI::Range(1, 1024));
  load->add_option("--rate", f->rate, "Requests per second in all (default: as fast as answers come)")
      ->check(CLI::PositiveNumber);
  add_duration_option(load, "--duration", f->duration, "Send for this long (with -n: whichever ends first)");
  cmd->callback([&run, f] { run = [f] { return run_send(*f); }; });
}

} // namespace acx::cli
