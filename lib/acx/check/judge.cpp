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

namespace {

// The check's -H headers as command-line flags; a credential's value is left to a variable the reader sets
// (X-Api-Key: ${X_API_KEY:?}), never printed.
std::string header_flags(const Settings& s)
{
  std::string out;
  for (const auto& h : s.headers) {
    if (!util::is_credential_header(h.name)) {
      out += " -H " + util::shell_quote(h.name + ": " + h.value);
      continue;
    }
    std::string variable;
    for (const char c : h.name) {
      variable += std::isalnum(static_cast<unsigned char>(c)) != 0 ? static_cast<char>(std::toupper(c)) : '_';
    }
    out += fmt::format(" -H \"{}: ${{{}:?its value}}\"", h.name, variable);
  }
  return out;
}

} // namespace

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
  // Load mode (-n) has no retries to turn off.
  const char* once = flags.starts_with(" -n ") ? "" : " --retries 0";
  std::string out = fmt::format("acx send {} --to {}{}{}{}", event, to, scheme, header_flags(s), once);
  if (s.subscription) {
    out += " --subscription " + *s.subscription;
  }
  return out + flags;
}

// A curl line for what acx send cannot express (another method, a body that is not an envelope).
std::string curl_line(const Settings& s, const std::string& method, const std::string& body,
                      const std::string& content_type)
{
  return curl_line_writing(s, method, fmt::format("printf '%s' {} > body", util::shell_quote(body)), content_type);
}

std::string curl_line_writing(const Settings& s, const std::string& method, const std::string& write_body,
                              const std::string& content_type)
{
  std::string to = util::shell_quote(s.url);
  if (s.token_in_path) {
    to = util::shell_quote(s.url.ends_with("/") ? s.url : s.url + "/") + "\"$ACX_SECRET\"";
  } else if (s.scheme.kind == signing::Kind::token) {
    to = util::shell_quote(s.url + (s.url.find('?') == std::string::npos ? "?" : "&") + "token=") + "\"$ACX_SECRET\"";
  }
  // The request as the check made it: a GET carries no body, but the same headers, its signature among them.
  std::string data = fmt::format(" -H {}{}", util::shell_quote("Content-Type: " + content_type),
                                 method == "GET" ? "" : " --data-binary @body");
  std::string sign;
  if (signing::traits(s.scheme.kind).signs_body) {
    sign = write_body + fmt::format(" && acx sign --scheme {} body > headers && ", signing::traits(s.scheme.kind).name);
    data += " -H @headers";
  } else if (method != "GET") {
    sign = write_body + " && ";
  }
  return fmt::format("{}curl -sS -i -X {}{}{} {}", sign, method, data, header_flags(s), to);
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

Outcome inconclusive(std::string why, std::vector<Sent> requests)
{
  return {Grade::inconclusive, std::move(why), std::move(requests), {}};
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

namespace {

// Words a receiver puts in an answer that refuses ("Hook rules were not satisfied.", "invalid signature").
bool reads_as_refusal(std::string_view answer)
{
  const std::string a = util::to_lower(answer);
  for (const char* word : {"not satisfied", "unauthori", "forbidden", "invalid", "denied", "refus", "reject",
                           "not allowed", "mismatch", "fail", "error", "wrong", "bad "}) {
    if (a.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

} // namespace

std::string not_refused_because(const Sent& s, const Sent* accepted, const std::string& why)
{
  if (s.ok() && reads_as_refusal(s.answer) && !(accepted && reads_as_refusal(accepted->answer))) {
    return fmt::format("the answer '{}' refuses, but a {} tells the sender it was delivered: answer 4xx",
                       util::excerpt(util::trim(s.answer), 60), s.status);
  }
  if (s.ok()) {
    return why;
  }
  if (s.server_error()) {
    return "a 5xx invites retries (AccuLynx sends it again, and again): refuse with 4xx";
  }
  if (s.status >= 300 && s.status < 400) {
    return "a redirect is not a refusal (and providers do not follow it): refuse with 4xx";
  }
  return "no answer: refuse with 4xx, at once";
}

Outcome expect_refused(Probe& p, const std::vector<Delivery>& deliveries, const std::string& what,
                       const std::string& why, const std::string& reproduce)
{
  auto sent = send_each(p, deliveries);
  const std::size_t tried = sent.size();
  if (tried == deliveries.size() && !sent.back().timed_out) {
    Delivery control = p.fixture("job_created");
    control.what = "a valid delivery right after (the control)";
    sent.push_back(p.send(control));
  }
  const Sent* accepted = sent.size() > tried && sent.back().ok() ? &sent.back() : nullptr;
  // Refused as well (or no answer): the refusals above may be the receiver's answer to anything. A valid delivery that
  // got a redirect or a 5xx still shows the credential was told apart.
  if (sent.size() > tried && (sent.back().refused() || sent.back().status == 0)) {
    return inconclusive(fmt::format("the control, a valid delivery sent right after, got {}: the answers say nothing "
                                    "about {}",
                                    sent.back().outcome(), what),
                        sent);
  }
  std::vector<std::string> bad;
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < tried; ++i) {
    const Sent& s = sent[i];
    seen.push_back(fmt::format("{}: {}", s.what, s.outcome()));
    if (!s.refused()) {
      bad.push_back(fmt::format("{}: {}: {}", s.what, s.outcome(), not_refused_because(s, accepted, why)));
    }
  }
  if (bad.empty() && sent.size() > tried) {
    return pass(fmt::format("{}; a valid one after: {}", fmt::join(seen, "; "), sent.back().outcome()), sent);
  }
  return fail(bad.empty() ? "stopped at a timeout" : fmt::format("{}", fmt::join(bad, "; ")), sent, reproduce);
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
