#include "acx/check/judge.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "acx/event/topics.hpp"
#include "acx/util/text.hpp"

namespace acx::check {

const signing::Traits& scheme_of(const Probe& p)
{
  return signing::traits(p.settings().scheme.kind);
}

// The flags that make `acx send` sign as the probe does (the secret from $ACX_SECRET, which acx send reads).
std::string send_line(const Settings& s, const std::string& event, const std::string& flags)
{
  std::string to = util::shell_quote(s.url);
  std::string scheme;
  if (s.token_in_path) {
    to = util::shell_quote(s.url.ends_with("/") ? s.url : s.url + "/") + "\"$ACX_SECRET\"";
    scheme = " --scheme none";
  } else if (signing::traits(s.scheme.kind).takes_secret) {
    scheme = fmt::format(" --scheme {}", signing::traits(s.scheme.kind).name);
  }
  std::string out = fmt::format("acx send {} --to {}{} --retries 0", event, to, scheme);
  if (s.subscription) {
    out += " --subscription " + *s.subscription;
  }
  return out + flags;
}

// A curl line for what acx send cannot express (another method, a body that is not an envelope).
std::string curl_line(const Settings& s, const std::string& method, const std::string& body,
                      const std::string& content_type)
{
  std::string to = util::shell_quote(s.url);
  if (s.token_in_path) {
    to = util::shell_quote(s.url.ends_with("/") ? s.url : s.url + "/") + "\"$ACX_SECRET\"";
  } else if (s.scheme.kind == signing::Kind::token) {
    to = util::shell_quote(s.url + (s.url.find('?') == std::string::npos ? "?" : "&") + "token=") + "\"$ACX_SECRET\"";
  }
  std::string data;
  std::string sign;
  if (method != "GET") {
    data = fmt::format(" -H {} --data-binary @body", util::shell_quote("Content-Type: " + content_type));
    sign = fmt::format("printf '%s' {} > body && ", util::shell_quote(util::excerpt(body, 120)));
    if (signing::traits(s.scheme.kind).signs_body) {
      sign += fmt::format("acx sign --scheme {} body > headers && ", signing::traits(s.scheme.kind).name);
      data += " -H @headers";
    }
  }
  return fmt::format("{}curl -sS -X {}{} {}", sign, method, data, to);
}

Outcome pass(std::string detail, std::vector<Sent> requests)
{
  return {Grade::pass, std::move(detail), std::move(requests), {}};
}

Outcome skip(std::string why)
{
  return {Grade::skip, std::move(why), {}, {}};
}

Outcome fail(std::string detail, std::vector<Sent> requests, std::string reproduce)
{
  return {Grade::fail, std::move(detail), std::move(requests), std::move(reproduce)};
}

// What is wrong with answers that should all be 2xx, or "": the answers by kind, and which deliveries got them when
// they differ (the topics, say).
std::string not_accepted(const std::vector<Sent>& sent)
{
  std::vector<const Sent*> bad;
  std::map<std::string, int> kinds;
  for (const auto& s : sent) {
    if (!s.ok()) {
      bad.push_back(&s);
      ++kinds[s.status != 0 ? std::to_string(s.status) : s.timed_out ? "no answer in time" : s.error];
    }
  }
  if (bad.empty()) {
    return {};
  }
  std::vector<std::string> counted;
  for (const auto& [kind, n] : kinds) {
    counted.push_back(n > 1 ? fmt::format("{} x{}", kind, n) : kind);
  }
  std::string out = fmt::format("{} of {} not answered 2xx: {}", bad.size(), sent.size(), fmt::join(counted, ", "));
  const bool same = std::all_of(bad.begin(), bad.end(), [&](const Sent* s) { return s->what == bad.front()->what; });
  if (!same) {
    std::vector<std::string> which;
    for (std::size_t i = 0; i < bad.size() && i < 5; ++i) {
      which.push_back(fmt::format("{} {}", bad[i]->what, bad[i]->outcome()));
    }
    out += fmt::format(" ({}{})", fmt::join(which, "; "), bad.size() > 5 ? "; ..." : "");
  }
  return out;
}

// Sends one after another, stopping at the first timeout.
std::vector<Sent> send_each(Probe& p, const std::vector<Delivery>& deliveries)
{
  std::vector<Sent> out;
  for (const auto& d : deliveries) {
    out.push_back(p.send(d));
    if (out.back().timed_out) {
      break;
    }
  }
  return out;
}

// Deliveries that must be refused with a 4xx: a 2xx, a 5xx or no answer fails.
Outcome expect_refused(Probe& p, const std::vector<Delivery>& deliveries, const std::string& why,
                       const std::string& reproduce)
{
  const auto sent = send_each(p, deliveries);
  std::vector<std::string> bad;
  for (const auto& s : sent) {
    if (!s.refused()) {
      bad.push_back(fmt::format("{}: {}", s.what, s.outcome()));
    }
  }
  if (bad.empty() && sent.size() == deliveries.size()) {
    std::vector<std::string> seen;
    for (const auto& s : sent) {
      seen.push_back(fmt::format("{}: {}", s.what, s.outcome()));
    }
    return pass(fmt::format("{}", fmt::join(seen, "; ")), sent);
  }
  return fail(fmt::format("{}, expected 4xx ({}): {}", bad.empty() ? "stopped at a timeout" : "not refused", why,
                          fmt::join(bad, "; ")),
              sent, reproduce);
}

std::vector<std::string> live_topics()
{
  std::vector<std::string> out;
  for (const auto& t : event::topics()) {
    if (!t.legacy) {
      out.emplace_back(t.name);
    }
  }
  return out;
}

// Recommended checks warn instead of failing.
Outcome recommend(Outcome o)
{
  if (o.verdict == Grade::fail) {
    o.verdict = Grade::warn;
  }
  return o;
}

} // namespace acx::check
