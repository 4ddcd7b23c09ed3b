#include "acx/forward/consumer.hpp"

#include <fmt/format.h>

#include "acx/util/error.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

namespace acx::forward {

std::string ordering_key(const journal::Record& record)
{
  if (!record.subject.empty()) {
    return record.subject;
  }
  return "subscription:" + record.subscription_id + " " + record.topic;
}

namespace {

// How forwards to one URL are signed: none without a secret; token (the default) or standard with one.
signing::SchemeOptions forward_scheme(const std::string& secret, const std::string& scheme, const std::string& where)
{
  signing::SchemeOptions o;
  o.kind = secret.empty() ? signing::Kind::none : scheme.empty() ? signing::Kind::token : signing::kind_named(scheme);
  if (o.kind != signing::Kind::none && o.kind != signing::Kind::token && o.kind != signing::Kind::standard) {
    throw Error(ExitCode::usage, fmt::format("{}: forwards are signed with token or standard, not {}", where, scheme));
  }
  if (!secret.empty()) {
    o.secrets.emplace_back(secret);
  }
  signing::make_scheme(o); // a malformed secret is a usage error now, naming where it came from
  return o;
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

} // namespace

std::vector<Consumer> consumers(const Wanted& w)
{
  std::vector<Consumer> out;
  for (const auto& url : w.urls) {
    Consumer c;
    c.url = url;
    c.name = util::redact_url(url);
    c.scheme = forward_scheme(w.secret, w.scheme, "--forward-secret");
    c.timeout = w.url_timeout;
    c.from = w.from;
    out.push_back(std::move(c));
  }
  for (const auto& command : w.commands) {
    Consumer c;
    c.command = command;
    c.name = command;
    c.timeout = w.command_timeout;
    c.from = w.from;
    out.push_back(std::move(c));
  }
  for (const auto& r : w.routes) {
    Consumer c;
    c.url = r.url;
    c.name = r.name.empty() ? util::redact_url(r.url) : r.name;
    c.topics = r.topics;
    c.scheme = forward_scheme(r.secret, r.scheme, fmt::format("the profile's forward to {}", c.name));
    c.timeout = w.url_timeout;
    c.from = w.from;
    out.push_back(std::move(c));
  }
  check_names(out, w.name);
  return out;
}

} // namespace acx::forward
