// acx listen: receive AccuLynx deliveries, verify, journal, answer, print.
#include <algorithm>
#include <fmt/format.h>
#include <unistd.h>

#include "acx/config/config.hpp"
#include "acx/listen/listener.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"
#include "api_flags.hpp"
#include "command.hpp"
#include "completion.hpp"
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
  Format format = Format::text;
  std::size_t count = 0;
  std::optional<Duration> timeout;
  std::string ready_file;
  std::size_t max_body = http::ServerOptions{}.max_body;
  std::string tls_cert;
  std::string tls_key;
  std::size_t max_connections = http::ServerOptions{}.max_connections;
  std::size_t max_connections_per_ip = http::ServerOptions{}.max_connections_per_ip;
  std::string profile;
  std::string config;
};

// What a profile stored by acx subscribe says about listening: the secrets, the subscription ids, the path.
struct FromProfile {
  SchemeFlags scheme;
  std::set<std::string> subscriptions;
  bool token_in_path = false;
  std::string path; // of the first subscription's URL
};

// Reads the profile. Its subscriptions are verified by their token, or by their signing secret when the API signed
// them all (acx sandbox --sign standard); an explicit --scheme picks which.
FromProfile read_profile(const ListenFlags& f)
{
  const std::string path = config_path(f.config);
  const auto cfg = config::load(path);
  const config::Profile* p = cfg.find(f.profile);
  if (!p || p->subscriptions.empty()) {
    throw Error(ExitCode::usage,
                fmt::format("profile '{}' in {} has no subscriptions: run acx subscribe first", f.profile, path));
  }
  FromProfile out;
  out.scheme = f.scheme;
  const bool all_signed = std::all_of(p->subscriptions.begin(), p->subscriptions.end(),
                                      [](const config::Subscription& s) { return !s.signing_secret.empty(); });
  if (out.scheme.scheme.empty()) {
    out.scheme.scheme = all_signed ? "standard" : "token";
  }
  for (const auto& s : p->subscriptions) {
    const std::string& secret = out.scheme.scheme == "standard" ? s.signing_secret : s.token;
    if (!secret.empty()) {
      out.scheme.secrets.push_back(secret);
    }
    out.subscriptions.insert(util::to_lower(s.id));
    out.token_in_path = out.token_in_path || s.secret_in == "path";
  }
  if (const auto url = util::parse_url(p->subscriptions.front().url)) {
    out.path = url->target.substr(0, url->target.find('?'));
  }
  return out;
}

int run_listen(const ListenFlags& f)
{
  listen::ListenOptions o;
  o.server.host = f.host;
  o.server.port = f.port;
  o.server.max_body = f.max_body;
  o.server.tls_cert = f.tls_cert;
  o.server.tls_key = f.tls_key;
  o.server.max_connections = f.max_connections;
  o.server.max_connections_per_ip = f.max_connections_per_ip;
  o.path = f.path;
  SchemeFlags scheme = f.scheme;
  if (!f.profile.empty()) {
    FromProfile p = read_profile(f);
    scheme = p.scheme;
    o.subscriptions = std::move(p.subscriptions);
    o.token_in_path = p.token_in_path;
    if (f.path == "/webhooks/acculynx" && !p.path.empty()) { // the default: the registered URL's path instead
      o.path = p.path;
    }
    o.watch = config_path(f.config);
    o.reload = [f] {
      FromProfile again = read_profile(f);
      for (const auto& s : f.subscriptions) { // --subscription adds to the profile's
        again.subscriptions.insert(util::to_lower(s));
      }
      return std::pair{scheme_options(again.scheme), std::move(again.subscriptions)};
    };
  }
  if (resolved_scheme(scheme) == "none") {
    fmt::print(stderr, "acx: warning: deliveries are not verified (no --secret): anyone who can reach the listener "
                       "can post events\n");
  }
  o.scheme = scheme_options(scheme);
  for (const auto& s : f.subscriptions) {
    o.subscriptions.insert(util::to_lower(s));
  }
  o.topics.insert(f.topics.begin(), f.topics.end());
  o.journal = f.journal;
  o.durability = f.durability == "process" ? journal::Durability::process : journal::Durability::disk;
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  o.format = f.format == Format::text  ? listen::OutputFormat::pretty
             : f.format == Format::raw ? listen::OutputFormat::raw
                                       : listen::OutputFormat::json;
  const char* no_color = std::getenv("NO_COLOR");
  o.color = tty && !(no_color && *no_color);
  o.count = f.count;
  o.timeout = f.timeout;
  o.ready_file = f.ready_file;
  return static_cast<int>(listen::run(o));
}

} // namespace

void setup_listen(CLI::App& app, Run& run)
{
  auto f = std::make_shared<ListenFlags>();
  auto* cmd = app.add_subcommand("listen", "Receive deliveries: verify, journal durably, answer, print");
  add_server_options(cmd, f->host, f->port, f->ready_file);
  cmd->add_option("--path", f->path, "Path that receives deliveries")->capture_default_str();
  add_scheme_options(cmd, f->scheme, SecretCount::several);
  add_tolerance_option(cmd, f->scheme);
  cmd->add_option("--subscription", f->subscriptions, "Accept only these subscriptionIds (repeatable)")
      ->allow_extra_args(false);
  suggest(cmd->add_option("--topic", f->topics, "Show only these topics (others are still journaled and acknowledged)"),
          catalog_topic_names());
  cmd->get_option("--topic")
      ->allow_extra_args(false);
  add_journal_option(cmd, f->journal);
  cmd->add_option("--durability", f->durability,
                  "What an acknowledged event survives: disk (power loss: fsync before the answer) or process (a "
                  "crash of acx: written before the answer, synced within a second)")
      ->check(one_of({"disk", "process"}, "durability", "expected disk or process"))
      ->capture_default_str();
  add_format_option(cmd, f->format, FormatDefault::by_terminal, Format::raw);
  cmd->add_option("--count", f->count, "Exit 0 after this many events printed (accepted ones, of --topic's topics if given; duplicates are not printed)");
  add_duration_option(cmd, "--timeout", f->timeout, "With --count: exit 6 if they have not arrived after DURATION");
  add_size_option(cmd, "--max-body", f->max_body, "Largest body accepted; larger ones get 413");
  cmd->add_option("--tls-cert", f->tls_cert, "PEM certificate: serve HTTPS (with --tls-key)");
  cmd->add_option("--tls-key", f->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--max-connections", f->max_connections, "Open connections at most; more are closed at once")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--max-connections-per-ip", f->max_connections_per_ip,
                  "Open connections from one address at most; 0: no limit")
      ->capture_default_str();
  cmd->add_option("--profile", f->profile, "Check the tokens and subscription ids that acx subscribe stored here");
  cmd->add_option("--config", f->config, "Config file (default ${XDG_CONFIG_HOME:-~/.config}/acx/config.toml)");
  cmd->callback([&run, f] { run = [f] { return run_listen(*f); }; });
}

} // namespace acx::cli
