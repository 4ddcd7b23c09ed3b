#include "acx/forward/consumer.hpp"

#include <fmt/format.h>

#include "acx/nats/target.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::forward {

Via Consumer::via() const
{
  return !command.empty() ? Via::command : nats::is_nats_url(url) ? Via::nats : Via::http;
}

std::string ordering_key(const journal::Record& record)
{
  if (!record.subject.empty()) {
    return record.subject;
  }
  return "subscription:" + record.subscription_id + " " + record.topic;
}

namespace {

// How forwards to one URL are signed: none without a secret; with one, token (the default) or any scheme acx signs.
signing::SchemeOptions forward_scheme(const std::string& secret, const std::string& scheme, const std::string& where)
{
  signing::SchemeOptions o;
  o.kind = secret.empty() ? signing::Kind::none : scheme.empty() ? signing::Kind::token : signing::kind_named(scheme);
  if (!secret.empty() && !signing::traits(o.kind).takes_secret) {
    throw Error(ExitCode::usage, fmt::format("{}: --scheme {} signs nothing: give token, standard, svix, hmac, github "
                                             "or shopify",
                                             where, scheme));
  }
  if (!secret.empty()) {
    o.secrets.emplace_back(secret);
  }
  signing::make_scheme(o); // a malformed secret is a usage error now, naming where it came from
  return o;
}

// A consumer's jq programs, compiled now so that a mistake stops the start (or a reload) naming where it is: the
// route's name, or the flag (route empty).
jq::Programs checked_programs(jq::Programs programs, const std::string& route)
{
  for (const auto& [what, program] : {std::pair{"filter", &programs.filter}, {"transform", &programs.transform}}) {
    if (program->empty()) {
      continue;
    }
    if (auto error = jq::compile_error(*program)) {
      throw Error(ExitCode::usage, route.empty()
                                       ? fmt::format("--forward-{} is not a jq program: {}", what, *error)
                                       : fmt::format("the profile's forward to {}: its {} is not a jq program: {}",
                                                     util::printable(route), what, *error));
    }
  }
  return programs;
}

// A consumer's rate limit and breaker: the flags', or a route's over them.
ThrottleOptions throttle_of(const std::string& rate, int burst, int failures, std::chrono::milliseconds cooldown,
                            const std::string& where)
{
  ThrottleOptions t;
  t.rate = rate.empty() ? 0 : parse_rate(rate, where);
  t.burst = burst;
  t.breaker_failures = failures;
  t.cooldown = cooldown;
  return t;
}

// A file a consumer names (a certificate, a key, NATS credentials), read now: one that cannot be read stops the start
// (bad_input), naming `where`.
std::string read_for(const std::string& path, const std::string& where)
{
  try {
    return util::read_input(path, 1u << 20);
  } catch (const Error& e) {
    throw Error(ExitCode::bad_input, fmt::format("{}: {}", where, e.what()));
  }
}

// A consumer's client certificate, key and CA file, read and checked now: a mistake stops the start, naming `where`
// and the file.
ClientTls checked_tls(ClientTls tls, const std::string& where)
{
  if (tls.cert.empty() != tls.key.empty()) {
    throw Error(ExitCode::usage, fmt::format("{}: a client certificate needs both the certificate and its key", where));
  }
  const auto read = [&](const std::string& path) { return read_for(path, where); };
  if (!tls.cert.empty()) {
    if (auto why = util::key_pair_problem(read(tls.cert), read(tls.key))) {
      throw Error(ExitCode::bad_input, fmt::format("{}: {} and {}: {}", where, tls.cert, tls.key, *why));
    }
  }
  if (!tls.cacert.empty()) {
    if (auto why = util::ca_bundle_problem(read(tls.cacert))) {
      throw Error(ExitCode::bad_input, fmt::format("{}: {}: {}", where, tls.cacert, *why));
    }
  }
  return tls;
}

// A NATS consumer's target, checked now: its URL (a usage error naming `where` and what is wrong), and a signature
// that can travel in headers (the token scheme's is in the URL, which a NATS message does not carry).
void check_nats(const Consumer& c, const std::string& where)
{
  std::string why;
  const auto target = nats::parse_target(c.url, &why);
  if (!target) {
    throw Error(ExitCode::usage,
                fmt::format("{}: {} is not a NATS target: {}", where, util::excerpt(util::redact_url(c.url)), why));
  }
  if (!target->creds.empty()) { // read now, so that a mistake stops the start; what it holds is never shown
    const std::string text = read_for(target->creds, where + ": ?creds=");
    if (text.find("BEGIN NATS USER JWT") == std::string::npos || text.find("NKEY SEED") == std::string::npos) {
      throw Error(ExitCode::bad_input, fmt::format("{}: ?creds={} is not a NATS credentials file (a user's JWT and "
                                                   "NKEY seed, as nsc writes them)",
                                                   where, target->creds));
    }
  }
  if (c.scheme.kind == signing::Kind::token) {
    throw Error(ExitCode::usage, fmt::format("{}: the token scheme puts the secret in the URL, which a NATS message "
                                             "does not carry: sign with --forward-scheme standard (or hmac, github, "
                                             "shopify; a route's scheme)",
                                             where));
  }
}

// Names are the consumers' keys in the journal: one each.
void check_names(std::vector<Consumer>& out, const std::string& name)
{
  if (!name.empty()) {
    if (out.size() != 1) {
      throw Error(ExitCode::usage, "--name names the one consumer given (--forward-to or --exec); routes in the "
                                   "profile take a name = \"...\"");
    }
    out.front().name = name;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (out[i].name == out[j].name) {
        throw Error(ExitCode::usage, fmt::format("two consumers are named {}: give one a --name (or a route a name)",
                                                 util::printable(out[i].name)));
      }
    }
  }
}

// Fixed headers, "Name: value" each; one that could split a request, or that acx sets itself, is refused.
util::Headers fixed_headers(const std::vector<std::string>& lines, const std::string& where)
{
  util::Headers out;
  for (const auto& line : lines) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw Error(ExitCode::usage, fmt::format("{}: '{}' is not a header 'Name: value'", where, util::excerpt(line)));
    }
    util::Header h{std::string(util::trim(line.substr(0, colon))), std::string(util::trim(line.substr(colon + 1)))};
    if (auto why = util::unsafe_header(h)) {
      throw Error(ExitCode::usage, fmt::format("{}: {}", where, *why));
    }
    if (util::iequals(h.name, "Content-Type") || util::to_lower(h.name).starts_with("x-acx-")) {
      throw Error(ExitCode::usage, fmt::format("{}: {} is set by acx itself", where, h.name));
    }
    out.add(std::move(h.name), std::move(h.value));
  }
  return out;
}

// The consumer as /metrics and /healthz name it (Consumer::label); "#2" and on where two would be alike.
void label(std::vector<Consumer>& out)
{
  for (std::size_t i = 0; i < out.size(); ++i) {
    Consumer& c = out[i];
    if (!c.url.empty() && c.name == util::redact_url(c.url)) {
      const auto url = util::parse_url(c.url);
      c.label = url                    ? util::redact_url(url->origin() + url->target.substr(0, url->target.find('?')))
                : c.via() == Via::nats ? util::redact_url(c.url.substr(0, c.url.find('?')))
                                       : "forward";
    } else if (!c.command.empty() && c.name == c.command) {
      const std::string_view program = util::split(util::trim(c.command), ' ').front();
      c.label = "exec " + std::string(program.substr(program.rfind('/') + 1));
    } else {
      c.label = c.name;
    }
    int alike = 1;
    for (std::size_t j = 0; j < i; ++j) {
      alike += out[j].label.starts_with(c.label) ? 1 : 0;
    }
    c.label += alike > 1 ? fmt::format(" #{}", alike) : "";
  }
}

} // namespace

std::vector<Consumer> consumers(const Wanted& w)
{
  std::vector<Consumer> out;
  for (const auto& url : w.urls) {
    Consumer c;
    c.url = url;
    c.name = util::redact_url(url);
    c.scheme = forward_scheme(w.secret, w.scheme, "--forward-secret");
    c.headers = fixed_headers(w.headers, "--forward-header");
    c.timeout = w.url_timeout;
    c.from = w.from;
    c.hydrate = w.hydrate;
    c.programs = checked_programs(w.programs, "");
    c.throttle = throttle_of(w.rate, w.burst, w.breaker_failures, w.breaker_cooldown, "--forward-rate");
    c.tls = checked_tls(w.tls, "--forward-cert");
    if (c.via() == Via::nats) {
      check_nats(c, "--forward-to");
    }
    out.push_back(std::move(c));
  }
  for (const auto& command : w.commands) {
    Consumer c;
    c.command = command;
    c.name = command;
    c.timeout = w.command_timeout;
    c.from = w.from;
    c.hydrate = w.hydrate;
    c.programs = checked_programs(w.programs, "");
    c.throttle = throttle_of(w.rate, w.burst, w.breaker_failures, w.breaker_cooldown, "--forward-rate");
    out.push_back(std::move(c));
  }
  for (const auto& r : w.routes) {
    Consumer c;
    c.url = r.url;
    c.name = r.name.empty() ? util::redact_url(r.url) : r.name;
    c.topics = r.topics;
    c.scheme = forward_scheme(r.secret, r.scheme, fmt::format("the profile's forward to {}", c.name));
    c.headers = fixed_headers(r.headers, fmt::format("the profile's forward to {}", c.name));
    c.timeout = w.url_timeout;
    c.from = w.from;
    c.hydrate = r.hydrate;
    c.hydrate_thin = r.hydrate_fallback == "thin";
    c.programs = checked_programs({r.filter, r.transform}, c.name);
    c.throttle =
        throttle_of(r.rate, r.burst, r.breaker_failures < 0 ? w.breaker_failures : r.breaker_failures,
                    r.breaker_cooldown.empty() ? w.breaker_cooldown : *util::parse_duration(r.breaker_cooldown),
                    fmt::format("the profile's forward to {}: rate", c.name));
    c.tls = checked_tls({r.cert, r.key, r.cacert}, fmt::format("the profile's forward to {}", c.name));
    if (c.via() == Via::nats) {
      check_nats(c, fmt::format("the profile's forward to {}", c.name));
    }
    out.push_back(std::move(c));
  }
  check_names(out, w.name);
  label(out);
  return out;
}

} // namespace acx::forward
