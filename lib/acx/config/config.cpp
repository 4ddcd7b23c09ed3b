#include "acx/config/config.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <sstream>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include "acx/nats/target.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::config {

namespace {

namespace fs = std::filesystem;

// A route's hydrate (job, contact) and hydrate-fallback (wait, thin).
void check_hydrate(const Forward& route, const std::string& where)
{
  for (const auto& k : route.hydrate) {
    if (k != "job" && k != "contact") {
      throw Error(ExitCode::bad_input, fmt::format("{}: forward hydrate takes \"job\" and \"contact\", not \"{}\"",
                                                   where, util::excerpt(k)));
    }
  }
  if (!route.hydrate_fallback.empty() && route.hydrate_fallback != "wait" && route.hydrate_fallback != "thin") {
    throw Error(ExitCode::bad_input, fmt::format("{}: forward hydrate-fallback is \"wait\" or \"thin\", not \"{}\"",
                                                 where, util::excerpt(route.hydrate_fallback)));
  }
}

std::string string_at(const toml::table& t, const char* key, const std::string& where)
{
  const auto* node = t.get(key);
  if (!node) {
    return {};
  }
  if (const auto* s = node->as_string()) {
    return s->get();
  }
  throw Error(ExitCode::bad_input, fmt::format("{}: {} must be a string", where, key));
}

// An integer from `low` to `high`, or 0 when absent.
int int_at(const toml::table& t, const char* key, const std::string& where, int low, int high)
{
  const auto* node = t.get(key);
  if (!node) {
    return 0;
  }
  const auto* n = node->as_integer();
  if (!n || n->get() < low || n->get() > high) {
    throw Error(ExitCode::bad_input, fmt::format("{}: {} must be a whole number from {} to {}", where, key, low, high));
  }
  return static_cast<int>(n->get());
}

Subscribed read_subscription(const toml::table& t, const std::string& where)
{
  Subscribed s;
  s.id = string_at(t, "id", where);
  s.url = string_at(t, "url", where);
  s.token = string_at(t, "token", where);
  s.secret_in = string_at(t, "secret_in", where);
  s.signing_secret = string_at(t, "signing_secret", where);
  s.contact = string_at(t, "contact", where);
  s.previous_token = string_at(t, "previous_token", where);
  s.previous_signing_secret = string_at(t, "previous_signing_secret", where);
  s.previous_until = string_at(t, "previous_until", where);
  if ((!s.previous_token.empty() || !s.previous_signing_secret.empty()) && !util::parse_rfc3339_utc(s.previous_until)) {
    throw Error(ExitCode::bad_input, fmt::format("{}: a subscription's previous_token or previous_signing_secret needs "
                                                 "previous_until, a time (\"2026-12-08T18:00:00Z\")",
                                                 where));
  }
  if (const auto* topics = t.get_as<toml::array>("topics")) {
    for (const auto& n : *topics) {
      if (const auto* v = n.as_string()) {
        s.topics.push_back(v->get());
      }
    }
  }
  if (s.id.empty() || s.token.empty()) {
    throw Error(ExitCode::bad_input, fmt::format("{}: a subscription needs id and token", where));
  }
  return s;
}

// A [[profiles.NAME.forward]] table, checked.
Forward read_route(const toml::table& rt, const std::string& where)
{
  Forward route;
  route.url = string_at(rt, "url", where);
  route.name = string_at(rt, "name", where);
  route.secret = string_at(rt, "secret", where);
  route.scheme = string_at(rt, "scheme", where);
  route.hydrate_fallback = string_at(rt, "hydrate-fallback", where);
  route.filter = string_at(rt, "filter", where);
  route.transform = string_at(rt, "transform", where);
  route.rate = string_at(rt, "rate", where);
  route.burst = rt.contains("burst") ? int_at(rt, "burst", where, 1, 1'000'000) : 0;
  route.breaker_failures = rt.contains("breaker_failures") ? int_at(rt, "breaker_failures", where, 0, 1'000'000) : -1;
  route.breaker_cooldown = string_at(rt, "breaker_cooldown", where);
  route.cert = string_at(rt, "cert", where);
  route.key = string_at(rt, "key", where);
  route.cacert = string_at(rt, "cacert", where);
  if (!route.breaker_cooldown.empty() && !util::parse_duration(route.breaker_cooldown)) {
    throw Error(ExitCode::bad_input,
                fmt::format("{}: forward breaker_cooldown = \"{}\" is not a duration (say \"30s\")", where,
                            util::excerpt(route.breaker_cooldown)));
  }
  for (const auto& [key, into] :
       {std::pair{"topics", &route.topics}, {"headers", &route.headers}, {"hydrate", &route.hydrate}}) {
    if (const auto* list = rt.get_as<toml::array>(key)) {
      for (const auto& n : *list) {
        const auto* v = n.as_string();
        if (!v) {
          throw Error(ExitCode::bad_input, fmt::format("{}: forward {} must be strings", where, key));
        }
        into->push_back(v->get());
      }
    }
  }
  if (route.url.empty()) {
    throw Error(ExitCode::bad_input, fmt::format("{}: a forward needs url", where));
  }
  check_hydrate(route, where);
  if (auto problem = forward_url_problem(route.url)) {
    throw Error(ExitCode::bad_input,
                fmt::format("{}: forward url {} {}", where, util::excerpt(util::redact_url(route.url)), *problem));
  }
  return route;
}

} // namespace

std::optional<std::string> forward_url_problem(std::string_view url)
{
  std::string why;
  if (nats::is_nats_url(url)) {
    return nats::parse_target(url, &why) ? std::nullopt : std::optional("is not a NATS target: " + why);
  }
  return util::parse_url(url, &why) ? std::nullopt
                                    : std::optional("is not an http://, https:// or nats:// URL: " + why);
}

bool Profile::remember(Subscribed s)
{
  forget(s.id);
  subscriptions.push_back(std::move(s));
  return true;
}

bool Profile::forget(const std::string& id)
{
  return std::erase_if(subscriptions, [&](const Subscribed& s) { return s.id == id; }) > 0;
}

bool Profile::change(const std::string& id, const std::string& contact, const std::vector<std::string>& topics)
{
  bool changed = false;
  for (auto& s : subscriptions) {
    if (s.id == id) {
      s.contact = contact.empty() ? s.contact : contact;
      s.topics = topics.empty() ? s.topics : topics;
      changed = true;
    }
  }
  return changed;
}

const Profile* Config::find(const std::string& name) const
{
  const auto it = profiles.find(name);
  return it == profiles.end() ? nullptr : &it->second;
}

Config load(const std::string& path)
{
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return {};
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    throw Error(ExitCode::bad_input,
                fmt::format("{}: refused: the file is writable by its group or by others (mode {:04o}) and holds "
                            "tokens; make it private: chmod 600 {}",
                            path, st.st_mode & 07777, path));
  }
  Config config = parse(util::read_input(path, 1u << 20), path);
  if ((st.st_mode & S_IROTH) != 0) {
    config.warnings.push_back(fmt::format("{} is readable by everyone (mode {:04o}) and holds tokens: chmod 600 {}",
                                          path, st.st_mode & 07777, path));
  }
  return config;
}

Config parse(std::string_view text, const std::string& path)
{
  Config config;
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw Error(ExitCode::bad_input,
                fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description()));
  }
  const auto* profiles = root.get_as<toml::table>("profiles");
  if (!profiles) {
    return config;
  }
  for (const auto& [name, node] : *profiles) {
    const std::string where = fmt::format("{}: profile {}", path, name.str());
    const auto* t = node.as_table();
    if (!t) {
      throw Error(ExitCode::bad_input, fmt::format("{} must be a table", where));
    }
    Profile p;
    p.api_base = string_at(*t, "api_base", where);
    p.api_key = string_at(*t, "api_key", where);
    if (const auto* subs = t->get_as<toml::array>("subscriptions")) {
      for (const auto& s : *subs) {
        if (const auto* st = s.as_table()) {
          p.subscriptions.push_back(read_subscription(*st, where));
        }
      }
    }
    if (const auto* routes = t->get_as<toml::array>("forward")) {
      for (const auto& r : *routes) {
        const auto* rt = r.as_table();
        if (!rt) {
          throw Error(ExitCode::bad_input, fmt::format("{}: each forward must be a table", where));
        }
        p.routes.push_back(read_route(*rt, where));
      }
    }
    p.retain = string_at(*t, "retain", where);
    if (!p.retain.empty() && !util::parse_duration(p.retain)) {
      throw Error(ExitCode::bad_input,
                  fmt::format("{}: retain = \"{}\" is not a duration (say \"30d\")", where, util::excerpt(p.retain)));
    }
    p.retain_size = string_at(*t, "retain_size", where);
    if (!p.retain_size.empty() && !util::parse_size(p.retain_size)) {
      throw Error(ExitCode::bad_input, fmt::format("{}: retain_size = \"{}\" is not a size (say \"10GiB\")", where,
                                                   util::excerpt(p.retain_size)));
    }
    p.relay_token = string_at(*t, "relay_token", where);
    p.journal = string_at(*t, "journal", where);
    p.api_rate = int_at(*t, "api_rate", where, 1, 10);
    p.api_machine_rate = int_at(*t, "api_machine_rate", where, 1, 30);
    config.profiles.emplace(std::string(name.str()), std::move(p));
  }
  return config;
}

std::span<const Key> keys()
{
  static constexpr const char* profile = "[profiles.NAME]";
  static constexpr const char* route = "[[profiles.NAME.forward]]";
  static constexpr const char* subscription = "[[profiles.NAME.subscriptions]]";
  static const Key k[] = {
      {profile, "api_base", "string",
       "The AccuLynx API's base URL (acx subscribe, acx subscriptions; default AccuLynx's own). The sandbox writes "
       "its own here."},
      {profile, "api_key", "string", "The API key of acx subscribe and acx subscriptions. A secret."},
      {profile, "api_rate", "integer",
       "--api-rate: requests a second to the AccuLynx API with one key, every acx process together (1 to 10; "
       "default 8)."},
      {profile, "api_machine_rate", "integer",
       "--api-machine-rate: requests a second to the AccuLynx API from this machine, every key together (1 to 30; "
       "default 25)."},
      {profile, "journal", "string",
       "acx listen --journal: a file, or a postgresql:// URI (its password from PGPASSWORD or ~/.pgpass, not here)."},
      {profile, "retain", "string", "acx listen --retain: prune deliveries older than this duration (\"30d\")."},
      {profile, "retain_size", "string",
       "acx listen --retain-size: prune the oldest deliveries while the journal is larger (\"10GiB\")."},
      {profile, "relay_token", "string",
       "acx listen --relay-token: serve GET /relay to this bearer token, or pull with it (--upstream). A secret."},
      {route, "url", "string",
       "Where acx listen --profile forwards each accepted event: http(s)://, or nats://HOST:PORT/SUBJECT to publish to "
       "JetStream (nats+tls://; ?stream=NAME, ?creds=FILE)."},
      {route, "topics", "array of strings",
       "Topic patterns this route takes (* any run of characters, ? one, . also matches _); all topics when left "
       "out."},
      {route, "name", "string", "The consumer's name in the journal, /metrics and /healthz (default: its URL)."},
      {route, "secret", "string", "Signs the forwards, as --forward-secret does. A secret."},
      {route, "scheme", "string", "How secret signs: token (the default), standard, hmac, github or shopify."},
      {route, "headers", "array of strings", "Fixed headers on every forward, \"Name: value\"."},
      {route, "hydrate", "array of strings",
       "Add the job and/or contact each event names, fetched from the API within its budget: [\"job\", \"contact\"]."},
      {route, "hydrate-fallback", "string",
       "wait (the default: an event waits in its lane until hydrated) or thin (sent as it is when the API fails)."},
      {route, "filter", "string",
       "A jq program: the route takes an event when it yields true (on the event as journaled, before hydration)."},
      {route, "transform", "string",
       "A jq program: its one output, as compact JSON, is the body forwarded and signed (after hydration); the "
       "journal keeps the original."},
      {route, "rate", "string", "At most this many attempts toward the app: \"50/s\", \"600/m\" (default: no limit)."},
      {route, "burst", "integer", "Attempts at once after a quiet spell (default: the rate's count per second)."},
      {route, "breaker_failures", "integer",
       "Failed attempts in a row that open the circuit: events wait, one attempt after breaker_cooldown (default "
       "20; 0: never)."},
      {route, "breaker_cooldown", "string", "How long an open circuit waits before one attempt (default \"30s\")."},
      {route, "cert", "string", "mTLS: a client certificate (PEM file) for an app that asks for one; with key."},
      {route, "key", "string", "mTLS: the client certificate's private key (PEM file, not encrypted)."},
      {route, "cacert", "string", "CA certificates (PEM file) to trust for the app instead of the system's."},
      {subscription, "id", "string", "The subscription's id at AccuLynx. Written by acx subscribe."},
      {subscription, "url", "string", "The URL the subscription delivers to, without its token."},
      {subscription, "token", "string",
       "The secret in the subscription's URL: acx listen --profile accepts deliveries that carry it. A secret."},
      {subscription, "secret_in", "string", "Where the token travels: query (?token=) or path."},
      {subscription, "signing_secret", "string",
       "A whsec_ secret when the API signs deliveries (acx sandbox --sign standard). A secret."},
      {subscription, "topics", "array of strings", "The topics subscribed to."},
      {subscription, "previous_token", "string",
       "Rotation: the token being replaced; it verifies too until previous_until. A secret."},
      {subscription, "previous_signing_secret", "string",
       "Rotation: the signing secret being replaced; it verifies too until previous_until. A secret."},
      {subscription, "previous_until", "string",
       "When previous_token or previous_signing_secret stops verifying (RFC 3339); refused after, saying so."},
      {subscription, "contact", "string", "The contact email given to AccuLynx."},
  };
  return k;
}

namespace {

// A route as the config file holds it.
toml::table route_table(const Forward& r)
{
  toml::array topics;
  for (const auto& topic : r.topics) {
    topics.push_back(topic);
  }
  toml::table route{{"url", r.url}, {"topics", topics}};
  if (!r.headers.empty()) {
    toml::array headers;
    for (const auto& h : r.headers) {
      headers.push_back(h);
    }
    route.insert("headers", headers);
  }
  if (!r.hydrate.empty()) {
    toml::array kinds;
    for (const auto& k : r.hydrate) {
      kinds.push_back(k);
    }
    route.insert("hydrate", kinds);
  }
  for (const auto& [key, value] : {std::pair{"name", &r.name},
                                   {"secret", &r.secret},
                                   {"scheme", &r.scheme},
                                   {"hydrate-fallback", &r.hydrate_fallback},
                                   {"filter", &r.filter},
                                   {"transform", &r.transform}}) {
    if (!value->empty()) {
      route.insert(key, *value);
    }
  }
  if (r.burst > 0) {
    route.insert("burst", r.burst);
  }
  if (r.breaker_failures >= 0) {
    route.insert("breaker_failures", r.breaker_failures);
  }
  return route;
}

} // namespace

void save(const Config& config, const std::string& path)
{
  toml::table profiles;
  for (const auto& [name, p] : config.profiles) {
    toml::table t;
    if (!p.api_base.empty()) {
      t.insert("api_base", p.api_base);
    }
    if (!p.api_key.empty()) {
      t.insert("api_key", p.api_key);
    }
    toml::array subs;
    for (const auto& s : p.subscriptions) {
      toml::array topics;
      for (const auto& topic : s.topics) {
        topics.push_back(topic);
      }
      toml::table sub{{"id", s.id},           {"url", s.url},    {"token", s.token}, {"secret_in", s.secret_in},
                      {"contact", s.contact}, {"topics", topics}};
      for (const auto& [key, value] : {std::pair{"signing_secret", &s.signing_secret},
                                       {"previous_token", &s.previous_token},
                                       {"previous_signing_secret", &s.previous_signing_secret},
                                       {"previous_until", &s.previous_until}}) {
        if (!value->empty()) {
          sub.insert(key, *value);
        }
      }
      subs.push_back(std::move(sub));
    }
    if (!subs.empty()) {
      t.insert("subscriptions", subs);
    }
    toml::array routes;
    for (const auto& r : p.routes) {
      routes.push_back(route_table(r));
    }
    if (!routes.empty()) {
      t.insert("forward", routes);
    }
    for (const auto& [key, value] : {std::pair{"api_rate", p.api_rate}, {"api_machine_rate", p.api_machine_rate}}) {
      if (value != 0) {
        t.insert(key, value);
      }
    }
    for (const auto& [key, value] : {std::pair{"retain", &p.retain},
                                     {"retain_size", &p.retain_size},
                                     {"relay_token", &p.relay_token},
                                     {"journal", &p.journal}}) {
      if (!value->empty()) {
        t.insert(key, *value);
      }
    }
    profiles.insert(name, t);
  }
  std::ostringstream text;
  text << "# acx configuration: written by acx subscribe. It holds secrets: keep it private (mode 0600).\n"
       << toml::table{{"profiles", profiles}} << "\n";

  util::write_private_file(path, text.str(), "the config");
}

void update(const std::string& path, const std::function<bool(Config&)>& edit)
{
  Config config = load(path);
  if (edit(config)) {
    save(config, path);
  }
}

util::Library toml_library()
{
  const std::string v = fmt::format("{}.{}.{}", TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH);
  return {"toml++", v, v}; // header-only
}

} // namespace acx::config
