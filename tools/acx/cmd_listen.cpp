// acx listen: receive AccuLynx deliveries, verify, journal, answer, print.
#include <algorithm>
#include <arpa/inet.h>
#include <fmt/format.h>
#include <fstream>
#include <optional>
#include <random>
#include <unistd.h>

#include "acx/config/config.hpp"
#include "acx/config/credentials.hpp"
#include "acx/contract/contract.hpp"
#include "acx/listen/service.hpp"
#include "acx/present/format.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "completion.hpp"
#include "listen_api.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct ListenFlags {
  std::string host = "127.0.0.1";
  int port = 8787;
  std::string path = "/webhooks/acculynx";
  SchemeFlags scheme;
  std::vector<std::string> subscriptions;
  std::vector<std::string> topics;
  std::string journal;
  std::string durability = "disk";
  std::optional<Duration> retain;
  std::size_t retain_size = 0;
  std::string retain_given, retain_size_given; // as typed: what the notices and stats say
  Format format = Format::text;
  std::size_t count = 0;
  std::optional<Duration> timeout;
  std::string ready_file;
  std::size_t max_body = http::ServerOptions{}.max_body;
  std::string tls_cert;
  std::string tls_key;
  std::size_t max_connections = http::ServerOptions{}.max_connections;
  std::size_t max_connections_per_ip = http::ServerOptions{}.max_connections_per_ip;
  Duration header_timeout = http::ServerOptions{}.header_timeout;
  Duration body_timeout = http::ServerOptions{}.body_timeout;
  std::vector<std::string> trusted_proxies;
  std::string profile;
  std::string config;
  ListenApiFlags asking; // what the listener asks AccuLynx's API
  // Consumers of the journal.
  std::vector<std::string> forward_to;
  std::vector<std::string> exec;
  std::string name;
  std::string forward_secret;
  std::string forward_scheme;
  std::vector<std::string> forward_headers;
  Duration forward_timeout = std::chrono::seconds(10);
  Duration exec_timeout = std::chrono::seconds(60);
  std::size_t forward_concurrency = 8;
  Duration forward_max_age = std::chrono::hours(24);
  std::string forward_from;
  std::vector<std::string> hydrate; // job, contact
  std::string forward_filter;       // jq programs
  std::string forward_transform;
  std::string forward_rate;
  int forward_burst = 0;
  int forward_breaker = 20;
  Duration forward_breaker_cooldown = std::chrono::seconds(30);
  forward::ClientTls forward_tls;
  std::string contract = "warn"; // warn, refuse, off
  std::string schemas;           // --schemas DIR: instead of the shipped ones
  std::string inspect;           // --inspect[=PORT]
  std::vector<std::string> relay_tokens;
  Duration relay_keep_alive = std::chrono::seconds(15);
  std::size_t relay_max_streams = listen::ListenOptions{}.relay_max_streams;
  std::string upstream;
  std::string upstream_from;
  bool allow_http = false;
};

// --forward-from: start, a sequence number, or a time (RFC 3339, or a duration ago).
forward::From from_of(const std::string& text)
{
  forward::From from;
  if (text.empty()) {
    return from;
  }
  if (text == "start") {
    from.start = true;
  } else if (text.find_first_not_of("0123456789") == std::string::npos) {
    from.seq = std::stoll(text.substr(0, 18));
  } else if (auto t = parse_time_or_ago(text)) {
    from.time = t;
  } else {
    throw Error(ExitCode::usage,
                fmt::format("--forward-from: expected start, a sequence number or a time (RFC 3339, or "
                            "a duration ago such as 2h), got '{}'",
                            util::excerpt(text)));
  }
  return from;
}

// The consumers the flags and the profile's routes name.
std::vector<forward::Consumer> consumers_of(const ListenFlags& f, const config::Profile* profile)
{
  forward::Wanted w;
  w.urls = f.forward_to;
  w.commands = f.exec;
  w.name = f.name;
  w.secret = f.forward_secret;
  w.scheme = f.forward_scheme;
  w.headers = f.forward_headers;
  w.url_timeout = f.forward_timeout;
  w.command_timeout = f.exec_timeout;
  w.from = from_of(f.forward_from);
  w.hydrate = f.hydrate;
  w.programs = {f.forward_filter, f.forward_transform};
  w.rate = f.forward_rate;
  w.burst = f.forward_burst;
  w.breaker_failures = f.forward_breaker;
  w.breaker_cooldown = std::chrono::duration_cast<std::chrono::milliseconds>(f.forward_breaker_cooldown);
  w.tls = f.forward_tls;
  if (profile) {
    w.routes = profile->routes;
  }
  return forward::consumers(w);
}

// What the listener reports, on the terminal: events on stdout in the chosen format, forwarding results beside them
// (on stderr with raw output, which is bodies byte for byte), notices on stderr.
class Output final : public listen::Observer {
public:
  Output(present::OutputFormat format, bool color)
      : m_format(format), m_color(color),
        m_progress(format == present::OutputFormat::raw ? present::OutputFormat::pretty : format, color)
  {
  }

  bool delivered(const journal::Record& record) override
  {
    const std::string line = present::format_record(record, m_format, m_color);
    return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
  }
  bool flush() override { return std::fflush(stdout) == 0; }
  void forwarded(const forward::Progress& p) override
  {
    const bool raw = m_format == present::OutputFormat::raw;
    const std::string line = m_progress.take(p);
    if (line.empty()) {
      return;
    }
    std::lock_guard lock(m_mutex); // from several forwarders' threads: whole lines
    std::FILE* to = raw ? stderr : stdout;
    std::fwrite(line.data(), 1, line.size(), to);
    std::fflush(to);
  }
  void notice(const util::Notice& n) override { print_notice(n); }

private:
  present::OutputFormat m_format;
  bool m_color;
  present::ProgressLines m_progress;
  std::mutex m_mutex;
};

// What the profile stored by acx subscribe says about listening: the scheme and secrets (config::credentials, the
// rule acx check shares), added to what the flags give.
config::Credentials read_profile(const ListenFlags& f)
{
  return config::credentials(subscribed_profile(f.config, f.profile).subscriptions, asked_scheme(f.scheme));
}

// The flags' scheme with the profile's credentials.
SchemeFlags with_credentials(SchemeFlags flags, const config::Credentials& c)
{
  flags.scheme = signing::traits(c.kind).name;
  flags.secrets.insert(flags.secrets.end(), c.secrets.begin(), c.secrets.end());
  flags.rotated.insert(flags.rotated.end(), c.previous.begin(), c.previous.end());
  return flags;
}

// Retention: the flags, else the profile's retain and retain_size (checked when the config was read).
listen::Keep keep_of(const ListenFlags& f, const config::Profile* profile)
{
  listen::Keep keep;
  const auto age = f.retain ? f.retain : profile ? util::parse_duration(profile->retain) : std::nullopt;
  if (age) {
    keep.age = std::chrono::duration_cast<std::chrono::seconds>(*age);
    keep.age_given = f.retain ? f.retain_given : profile->retain;
  }
  const auto size = f.retain_size > 0 ? std::optional(f.retain_size)
                    : profile         ? util::parse_size(profile->retain_size)
                                      : std::nullopt;
  keep.bytes = size.value_or(0);
  keep.bytes_given = f.retain_size > 0 ? f.retain_size_given : profile ? profile->retain_size : std::string();
  return keep;
}

// The relay tokens: the flags (--relay-token, ACX_RELAY_TOKEN, --relay-token-file), else the profile's. A relay token
// that is also a delivery secret is refused: one must never grant what the other does.
std::vector<std::string> relay_tokens_of(const ListenFlags& f, const config::Profile* profile,
                                         const SchemeFlags& scheme)
{
  std::vector<std::string> tokens = f.relay_tokens;
  if (tokens.empty() && profile != nullptr && !profile->relay_token.empty()) {
    tokens.push_back(profile->relay_token);
  }
  for (const auto& t : tokens) {
    if (t.size() < 16) {
      throw Error(ExitCode::usage, "--relay-token: a relay token has at least 16 characters (acx secret makes one)");
    }
    if (std::find(scheme.secrets.begin(), scheme.secrets.end(), t) != scheme.secrets.end()) {
      throw Error(ExitCode::usage, "--relay-token: the relay token must differ from the delivery secret (--secret), "
                                   "or one would grant what the other does");
    }
  }
  return tokens;
}

// listen --upstream: the relay, the token to pull with (of `tokens`, the relay tokens given), where a first pull
// starts. HTTPS unless the relay is on this machine or --allow-http says plain HTTP is meant.
relay::PullOptions upstream_of(const ListenFlags& f, const std::vector<std::string>& tokens)
{
  relay::PullOptions p;
  std::string why;
  const auto url = util::parse_url(f.upstream, &why);
  if (!url) {
    throw Error(ExitCode::usage, fmt::format("--upstream: {} ({})", why, util::redact_url(f.upstream)));
  }
  p.upstream = *url;
  if (url->scheme == "http" && !util::is_loopback_host(url->host)) {
    if (!f.allow_http) {
      throw Error(ExitCode::usage, "--upstream: the relay token and every delivery would cross the network in clear: "
                                   "use https:// (or --allow-http if that is what you mean)");
    }
    fmt::print(stderr,
               "acx: warning: --allow-http: the relay token and the deliveries cross the network unencrypted\n");
  }
  if (tokens.size() != 1) {
    throw Error(ExitCode::usage, tokens.empty() ? "--upstream needs the relay's token: --relay-token, "
                                                  "--relay-token-file, ACX_RELAY_TOKEN or the profile's relay_token"
                                                : "--upstream pulls with one relay token, not several");
  }
  p.token = tokens.front();
  p.from = f.upstream_from;
  if (!p.from.empty() && p.from != "now" && p.from.find_first_not_of("0123456789") != std::string::npos) {
    const auto t = parse_time_or_ago(p.from);
    if (!t) {
      throw Error(ExitCode::usage, fmt::format("--upstream-from: expected now, a sequence number or a time (RFC "
                                               "3339, or a duration ago such as 2h), got '{}'",
                                               util::excerpt(p.from)));
    }
    p.from = util::format_rfc3339(*t);
  }
  p.seed = std::random_device{}();
  return p;
}

// In a service (systemd sets INVOCATION_ID), a secret on the command line is refused: /proc/PID/cmdline, which `ps`
// shows every local user, would hold it. The unit takes secrets from credentials or its environment file instead.
void refuse_secrets_in_service_command_line()
{
  if (std::getenv("INVOCATION_ID") == nullptr) {
    return;
  }
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto arg : util::split(all, '\0')) {
    const std::string_view flag = arg.substr(0, arg.find('='));
    const bool secret_flag = flag == "--secret" || flag == "--relay-token" || flag == "--forward-secret" ||
                             flag == "--api-key" || flag == "--previous-secret";
    if (secret_flag || (arg.find("://") != std::string_view::npos && util::redact_url(arg) != arg)) {
      throw Error(ExitCode::usage,
                  fmt::format("{} on the command line of a service: every local user can read it (ps); give it in "
                              "the unit's environment file (ACX_SECRET, ACX_RELAY_TOKEN, ACX_FORWARD_SECRET, "
                              "ACX_JOURNAL, PGPASSWORD) or as a credential (--relay-token-file, --secret-file)",
                              secret_flag ? std::string(flag) : std::string("a URL with a password")));
    }
  }
}

http::ServerOptions server_options_of(const ListenFlags& f)
{
  http::ServerOptions s;
  s.host = f.host;
  s.port = f.port;
  s.max_body = f.max_body;
  s.tls_cert = f.tls_cert;
  s.tls_key = f.tls_key;
  s.max_connections = f.max_connections;
  s.max_connections_per_ip = f.max_connections_per_ip;
  s.header_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(f.header_timeout);
  s.body_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(f.body_timeout);
  s.trusted_proxies = f.trusted_proxies;
  return s;
}

int run_listen(const ListenFlags& f)
{
  refuse_secrets_in_service_command_line();
  listen::ListenOptions o;
  o.server = server_options_of(f);
  o.path = f.path;
  SchemeFlags scheme = f.scheme;
  if (!f.profile.empty()) {
    config::Credentials p = read_profile(f);
    scheme = with_credentials(f.scheme, p);
    o.subscriptions = std::move(p.subscriptions);
    o.token_in_path = p.token_in_path;
    if (f.path == "/webhooks/acculynx" && !p.path.empty()) { // the default: the registered URL's path instead
      o.path = p.path;
    }
    o.watch = config_path(f.config);
    o.reload = [f] {
      config::Credentials again = read_profile(f);
      for (const auto& s : f.subscriptions) { // --subscription adds to the profile's
        again.subscriptions.insert(util::to_lower(s));
      }
      // The routes' jq programs: one that does not compile keeps the previous profile whole.
      const auto c = load_config(config_path(f.config));
      std::map<std::string, jq::Programs> programs;
      for (const auto& consumer : consumers_of(f, c.find(f.profile))) {
        programs.emplace(consumer.name, consumer.programs);
      }
      return listen::ListenOptions::Reloaded{scheme_options(with_credentials(f.scheme, again)),
                                             std::move(again.subscriptions), std::move(programs)};
    };
  }
  if (resolved_scheme(scheme) == signing::Kind::none && f.upstream.empty()) { // a laptop's port is for acx send
    fmt::print(stderr, "acx: warning: deliveries are not verified (no --secret): anyone who can reach the listener "
                       "can post events\n");
  }
  o.scheme = scheme_options(scheme);
  for (const auto& s : f.subscriptions) {
    o.subscriptions.insert(util::to_lower(s));
  }
  o.topics = f.topics;
  o.durability = f.durability == "process" ? journal::Durability::process : journal::Durability::disk;
  std::optional<config::Config> profile_config;
  if (!f.profile.empty()) {
    profile_config = load_config(config_path(f.config));
  }
  const config::Profile* profile = profile_config ? profile_config->find(f.profile) : nullptr;
  o.journal = f.journal.empty() && profile != nullptr ? profile->journal : f.journal; // --journal, ACX_JOURNAL first
  o.consumers = consumers_of(f, profile);
  o.keep = keep_of(f, profile);
  o.contract = f.contract == "off"
                   ? nullptr
                   : std::make_shared<const contract::Contract>(contract::SchemaSet::with_dir(f.schemas));
  o.refuse_drift = f.contract == "refuse";
  o.count = f.count;
  o.timeout = f.timeout;
  o.ready_file = f.ready_file;
  apply_listen_api(f.asking, f.profile, f.config, profile_config ? &*profile_config : nullptr, o);
  o.forwarding.concurrency = f.forward_concurrency;
  o.forwarding.max_age = f.forward_max_age;
  if (!f.inspect.empty()) {
    o.inspect_port = std::stoi(f.inspect);
    if (*o.inspect_port == f.port && f.port != 0) {
      throw Error(ExitCode::usage,
                  "--inspect needs a port of its own: the webhook port may be exposed to the internet");
    }
  }
  auto relay_tokens = relay_tokens_of(f, profile, scheme); // with --upstream, the one to pull with
  if (f.upstream.empty()) {
    o.relay_tokens = std::move(relay_tokens);
    o.relay_keep_alive = std::chrono::duration_cast<std::chrono::milliseconds>(f.relay_keep_alive);
    o.relay_max_streams = f.relay_max_streams;
  } else {
    o.upstream = upstream_of(f, relay_tokens);
  }
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  const char* no_color = std::getenv("NO_COLOR");
  Output output(f.format == Format::text  ? present::OutputFormat::pretty
                : f.format == Format::raw ? present::OutputFormat::raw
                                          : present::OutputFormat::json,
                tty && !(no_color && *no_color));
  return static_cast<int>(listen::run(o, output));
}

// How much a client may send, and how long and how many at once.
void add_connection_options(CLI::App* cmd, const std::shared_ptr<ListenFlags>& f)
{
  add_size_option(cmd, "--max-body", f->max_body, "Largest body accepted; larger ones get 413");
  cmd->add_option("--tls-cert", f->tls_cert, "PEM certificate: serve HTTPS (with --tls-key)");
  cmd->add_option("--tls-key", f->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--max-connections", f->max_connections, "Open connections at most; more are closed at once")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--max-connections-per-ip", f->max_connections_per_ip,
                  "Open connections from one address at most (through a --trusted-proxy: requests); 0: no limit")
      ->capture_default_str();
  add_duration_option(cmd, "--header-timeout", f->header_timeout,
                      "A request head must be complete this long after the connection opens, however it drips");
  add_duration_option(cmd, "--body-timeout", f->body_timeout,
                      "A request body must be complete this long after its head");
  cmd->add_option("--trusted-proxy", f->trusted_proxies,
                  "Address of a reverse proxy or tunnel whose X-Forwarded-For is believed (repeatable)")
      ->check(CLI::Validator(
          [](std::string& v) {
            unsigned char buf[sizeof(in6_addr)];
            return ::inet_pton(AF_INET, v.c_str(), buf) == 1 || ::inet_pton(AF_INET6, v.c_str(), buf) == 1
                       ? std::string()
                       : "not an IPv4 or IPv6 address: " + util::excerpt(v);
          },
          "ADDRESS"));
}

void add_relay_options(CLI::App* cmd, const std::shared_ptr<ListenFlags>& f)
{
  auto* relay = cmd->add_option_group("Relay", "Pass the deliveries on to laptops (acx listen --upstream)");
  relay->add_option("--relay-token", f->relay_tokens, "Serve GET /relay to this bearer token; repeat for rotation")
      ->envname("ACX_RELAY_TOKEN")
      ->allow_extra_args(false);
  add_secret_file_option(relay, "--relay-token-file", "Read the relay token(s) from FILE: kept out of the process list",
                         [f](std::vector<std::string> tokens) {
                           f->relay_tokens.insert(f->relay_tokens.end(), tokens.begin(), tokens.end());
                         });
  add_duration_option(relay, "--relay-keep-alive", f->relay_keep_alive,
                      "A comment on a quiet /relay stream this often, so proxies keep it open");
  relay
      ->add_option("--relay-max-streams", f->relay_max_streams,
                   "Streams one relay token may hold open at once (of 256 in all), so one holder cannot take them all")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  relay
      ->add_option("--upstream", f->upstream,
                   "Pull the deliveries of the relay at URL (an acx listen --relay-token) into this journal "
                   "(a relay with a private CA: set SSL_CERT_FILE to it)")
      ->check(url_validator());
  relay->add_option("--upstream-from", f->upstream_from,
                    "First pull only: now, a relay sequence number, or a time (default: the oldest the relay keeps)");
  relay->add_flag("--allow-http", f->allow_http, "Let --upstream use plain HTTP to another machine (a warning)");
}

void add_forward_options(CLI::App* cmd, const std::shared_ptr<ListenFlags>& f)
{
  auto* fwd = cmd->add_option_group("Forwarding", "Hand every accepted event to your app, from the journal, in order");
  fwd->add_option("--forward-to", f->forward_to,
                  "POST each event, byte for byte, to URL; nats://HOST:PORT/SUBJECT publishes it to JetStream "
                  "(repeatable)")
      ->allow_extra_args(false)
      ->check(forward_url_validator());
  fwd->add_option("--exec", f->exec, "Run CMD for each event: the body on stdin, ACX_EVENT_ID etc. set (repeatable)")
      ->allow_extra_args(false);
  fwd->add_option("--name", f->name, "Name the one consumer (default: its URL, token hidden, or its command)");
  fwd->add_option("--forward-secret", f->forward_secret, "Sign forwards as production will: the token, or standard")
      ->envname("ACX_FORWARD_SECRET");
  add_secret_file_option(fwd, "--forward-secret-file", "Read --forward-secret from FILE: kept out of the process list",
                         [f](std::vector<std::string> secrets) {
                           if (secrets.size() != 1) {
                             throw CLI::ValidationError(
                                 "--forward-secret-file",
                                 fmt::format("expected one secret in the file, found {}", secrets.size()));
                           }
                           f->forward_secret = secrets.front();
                         });
  fwd->add_option("--forward-scheme", f->forward_scheme, "How --forward-secret signs (default token)")
      ->check(one_of({"token", "standard", "svix", "hmac", "github", "shopify"}, "scheme",
                     "expected token, standard, svix, hmac, github or shopify"));
  fwd->add_option("--forward-header", f->forward_headers,
                  "Add this header 'Name: value' to every forward (repeatable): X-GitHub-Event: ping, say")
      ->allow_extra_args(false);
  add_duration_option(fwd, "--forward-timeout", f->forward_timeout, "Give up on one forward after this long");
  add_duration_option(fwd, "--exec-timeout", f->exec_timeout, "Kill a command (its process group) after this long");
  fwd->add_option("--forward-concurrency", f->forward_concurrency, "Events handed over at once (one per ordering key)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  add_duration_option(fwd, "--forward-max-age", f->forward_max_age, "Still failing after this long: dead");
  fwd->add_option("--forward-from", f->forward_from,
                  "Start a consumer at: start, a sequence number, or a time (default: a new one starts now)");
  fwd->add_option("--hydrate", f->hydrate,
                  "Add the job and/or contact each event names, fetched from AccuLynx's API within its budget, in "
                  "the member \"hydrated\" (job,contact; needs an API key)")
      ->delimiter(',')
      ->check(CLI::IsMember({"job", "contact"}));
  fwd->add_option("--forward-filter", f->forward_filter,
                  "Hand an event over only when this jq program yields true on it: '.event.job.id != null'");
  fwd->add_option("--forward-transform", f->forward_transform,
                  "Forward this jq program's output instead of the body (the journal keeps the original)");
  fwd->add_option("--forward-rate", f->forward_rate, "At most this many attempts toward the app: 50/s, 600/m, 3600/h");
  fwd->add_option("--forward-burst", f->forward_burst,
                  "Attempts at once after a quiet spell (default: the rate a second)")
      ->check(CLI::Range(1, 1'000'000));
  fwd->add_option("--forward-breaker", f->forward_breaker,
                  "Failed attempts in a row that open the circuit: events wait, one attempt per cool-down (0: never)")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  add_duration_option(fwd, "--forward-breaker-cooldown", f->forward_breaker_cooldown,
                      "How long an open circuit waits before one attempt");
  fwd->add_option("--forward-cert", f->forward_tls.cert,
                  "mTLS: a client certificate (PEM) for an app that asks for one");
  fwd->add_option("--forward-key", f->forward_tls.key,
                  "mTLS: the client certificate's private key (PEM, not encrypted)");
  fwd->add_option("--forward-cacert", f->forward_tls.cacert,
                  "Trust these CA certificates (PEM) for the app, not the system's");
}

} // namespace

void setup_listen(CLI::App& app, Run& run)
{
  auto f = std::make_shared<ListenFlags>();
  auto* cmd = app.add_subcommand("listen", "Receive deliveries: verify, journal durably, answer, print");
  add_server_options(cmd, f->host, f->port, f->ready_file);
  cmd->add_option("--path", f->path, "Path that receives deliveries")->capture_default_str();
  add_scheme_options(cmd, f->scheme, SecretUse::verify);
  add_tolerance_option(cmd, f->scheme);
  cmd->add_option("--subscription", f->subscriptions, "Accept only these subscriptionIds (repeatable)")
      ->allow_extra_args(false);
  suggest(cmd->add_option("--topic", f->topics,
                          "Show only these topics, or patterns (job.*); others are still journaled and acknowledged"),
          catalog_topic_names());
  cmd->get_option("--topic")->allow_extra_args(false);
  add_journal_option(cmd, f->journal);
  cmd->add_option("--contract", f->contract,
                  "Check each event against its topic's JSON Schema: warn (record how it differs: its drift), refuse "
                  "(answer 422 naming the path; for your own test setups: AccuLynx retries, then gives up), or off")
      ->check(one_of({"warn", "refuse", "off"}, "contract", "expected warn, refuse or off"))
      ->capture_default_str();
  cmd->add_option("--schemas", f->schemas,
                  "The schemas --contract checks against: a directory of <topic>.json (acx "
                  "schema learn writes one), in place of the shipped ones for their topics");
  cmd->add_option("--durability", f->durability,
                  "What an acknowledged event survives: disk (power loss: fsync before the answer) or process (a "
                  "crash of acx: written before the answer, synced within a second)")
      ->check(one_of({"disk", "process"}, "durability", "expected disk or process"))
      ->capture_default_str();
  add_duration_option(cmd, "--retain", f->retain,
                      "Prune deliveries older than this (30d), at start and every minute (default: keep all)")
      ->each([f](const std::string& v) { f->retain_given = v; });
  add_size_option(cmd, "--retain-size", f->retain_size,
                  "Prune the oldest deliveries while the journal is larger (10GiB)")
      ->each([f](const std::string& v) { f->retain_size_given = v; });
  add_format_option(cmd, f->format, FormatDefault::by_terminal, Format::raw);
  cmd->add_option("--count", f->count,
                  "Exit 0 after this many events printed (accepted ones, of --topic's topics if given; duplicates are "
                  "not printed)")
      ->check(CLI::Range(0, 1000000000));
  add_duration_option(cmd, "--timeout", f->timeout,
                      "Stop after DURATION (exit 0); with --count: exit 6 if they have not all arrived");
  add_connection_options(cmd, f);
  cmd->add_option("--profile", f->profile,
                  "Check the tokens and subscription ids that acx subscribe stored here; forward as its routes say");
  cmd->add_option("--config", f->config, "Config file (default ${XDG_CONFIG_HOME:-~/.config}/acx/config.toml)");
  add_listen_api_options(cmd, f->asking);
  cmd->add_flag("--inspect{8789}", f->inspect,
                "Also serve the inspect page, on loopback, on its own port (--inspect=PORT; default 8789)")
      ->check(CLI::Range(0, 65535));
  add_relay_options(cmd, f);
  add_forward_options(cmd, f);
  cmd->callback([&run, f] { run = [f] { return run_listen(*f); }; });
}

} // namespace acx::cli
