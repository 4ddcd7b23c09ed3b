#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <thread>

#include "acx/check/check.hpp"
#include "acx/check/judge.hpp"
#include "acx/event/topics.hpp"
#include "acx/signing/secret.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/process.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::check {

namespace {

using std::chrono::seconds;

constexpr std::string_view k_acculynx = "AccuLynx's delivery contract";
constexpr std::string_view k_standard = "Standard Webhooks specification";
constexpr std::string_view k_owasp = "OWASP webhook security guidance";
constexpr std::string_view k_http = "HTTP semantics (RFC 9110)";

Outcome every_topic(Probe& p)
{
  std::vector<Delivery> deliveries;
  for (const auto& topic : live_topics()) {
    deliveries.push_back(p.fixture(topic));
  }
  const auto sent = send_each(p, deliveries);
  std::string bad = not_accepted(sent);
  if (bad.empty() && sent.size() < deliveries.size()) {
    bad = "stopped at a timeout";
  }
  if (bad.empty()) {
    return pass(fmt::format("all {} topics answered 2xx", sent.size()), sent);
  }
  const auto first = std::find_if(sent.begin(), sent.end(), [](const Sent& s) { return !s.ok(); });
  return fail(bad, sent, send_line(p.settings(), first == sent.end() ? "job_created" : first->what));
}

Outcome fast_answers(Probe& p)
{
  const auto& s = p.settings();
  const auto topics = live_topics();
  std::vector<Delivery> deliveries;
  for (std::size_t i = 0; i < s.burst; ++i) {
    deliveries.push_back(p.fixture(topics[i % topics.size()]));
  }
  const auto sent = p.send_all(deliveries, s.concurrency);
  std::vector<double> ms;
  for (const auto& r : sent) {
    ms.push_back(static_cast<double>(r.latency.count()) / 1000.0);
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))];
  };
  const std::string figures = fmt::format("{} requests, {} at a time: p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms",
                                          sent.size(), s.concurrency, at(0.5), at(0.99), ms.empty() ? 0.0 : ms.back());
  // Only the answers worth reading are kept: the failures, else the slowest.
  std::vector<Sent> shown;
  for (const auto& r : sent) {
    if (!r.ok() && shown.size() < 10) {
      shown.push_back(r);
    }
  }
  const std::string bad = not_accepted(sent);
  const std::string again = send_line(s, "job_created", fmt::format(" -n {} -c {}", s.burst, s.concurrency));
  if (!bad.empty()) {
    return fail(figures + "; " + bad, shown, again);
  }
  const auto slowest =
      std::max_element(sent.begin(), sent.end(), [](const Sent& a, const Sent& b) { return a.latency < b.latency; });
  if (slowest != sent.end()) {
    shown.push_back(*slowest);
  }
  if (!ms.empty() && ms.back() > 1000.0) {
    return {Grade::warn, figures + "; some answers took over 1 s: answer first, process later", shown, again};
  }
  return pass(figures, shown);
}

// How many times the receiver says it processed `event_id`, asked until it says at least once (or the timeout), then
// once more a second later, so processing of the copies has had time to happen.
std::optional<int> processed_count(const Settings& s, const std::string& event_id, std::string& note)
{
  auto ask = [&]() -> std::optional<int> {
    const auto r = util::run_command({s.processed, {{"ACX_EVENT_ID", event_id}}, std::chrono::seconds(30), {}});
    try {
      if (r.exit_code == 0) {
        return std::stoi(std::string(util::trim(r.out)));
      }
    } catch (const std::exception&) {
    }
    note = fmt::format("--processed printed '{}' and exited {}: expected a count", util::excerpt(util::trim(r.out)),
                       r.exit_code);
    return std::nullopt;
  };
  const auto deadline = std::chrono::steady_clock::now() + s.timeout;
  std::optional<int> n;
  while ((n = ask()) && *n < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // asking again: the receiver processes later
  }
  if (n && *n >= 1) {
    std::this_thread::sleep_for(seconds(1));
    n = ask();
  }
  return n;
}

Outcome duplicates(Probe& p)
{
  const auto& s = p.settings();
  const Delivery d = p.fixture("job.milestone.current_changed");
  auto sent = send_each(p, {d, d});
  if (sent.size() == 2 && !sent.back().timed_out) {
    const auto at_once = p.send_all({d, d, d, d}, 4);
    sent.insert(sent.end(), at_once.begin(), at_once.end());
  }
  const std::string again = send_line(s, "job.milestone.current_changed", " --duplicate 4");
  if (const std::string bad = not_accepted(sent); !bad.empty()) {
    return fail("the same eventId 6 times (twice in a row, then 4 at once): " + bad +
                    " (a duplicate is normal: answer 2xx and do nothing)",
                sent, again);
  }
  if (s.processed.empty()) {
    return pass("6 copies of one event, all 2xx; only the status was checked (--processed CMD also checks the "
                "receiver processed it once)",
                sent);
  }
  std::string note;
  const auto n = processed_count(s, d.event_id, note);
  if (!n) {
    return fail(note, sent, again);
  }
  if (*n != 1) {
    return fail(fmt::format("6 copies of event {} were all answered 2xx, but --processed says it was processed {} "
                            "time{}: expected once",
                            d.event_id, *n, *n == 1 ? "" : "s"),
                sent, again);
  }
  return pass("6 copies of one event, all 2xx, processed once (--processed)", sent);
}

Outcome out_of_order(Probe& p)
{
  const util::Instant now = util::now();
  std::vector<Delivery> newest_first;
  const char* names[] = {"Lead", "Prospect", "Approved"};
  for (int i = 2; i >= 0; --i) {
    const util::Instant at{now.seconds - 60 + i * 20, now.ticks};
    newest_first.push_back(
        p.fixture("job.milestone.current_changed", {fmt::format("eventDateTime=\"{}\"", util::format_rfc3339(at)),
                                                    fmt::format("event.job.milestone.name=\"{}\"", names[i])}));
  }
  const auto sent = send_each(p, newest_first);
  if (const std::string bad = not_accepted(sent); !bad.empty() || sent.size() < 3) {
    return fail("three changes to one job, newest first: " + (bad.empty() ? "stopped at a timeout" : bad), sent,
                send_line(p.settings(), "job.milestone.current_changed", " --duplicate 1 --out-of-order"));
  }
  return pass("three changes to one job, newest first: all 2xx", sent);
}

Outcome unknown_topic(Probe& p)
{
  Delivery d = p.fixture("job_created", {"topicName=\"job.roof-report_generated\""});
  d.what = "job.roof-report_generated (a topic AccuLynx may add)";
  const auto sent = p.send(d);
  if (!sent.ok()) {
    return fail(fmt::format("an unknown topic got {}: AccuLynx adds topics; accept (and ignore) what you do not know",
                            sent.outcome()),
                {sent}, send_line(p.settings(), "job_created", " --set topicName=job.roof-report_generated"));
  }
  return pass("an unknown topic got 2xx", {sent});
}

Outcome tolerant_reader(Probe& p)
{
  std::vector<Delivery> deliveries;
  for (const auto v : contract::variations()) {
    deliveries.push_back(p.varied("job_created", v));
  }
  const auto sent = send_each(p, deliveries);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (!sent[i].ok()) {
      return fail(fmt::format("{} got {}: AccuLynx promises no fixed set of members and no order; accept (and "
                              "ignore) what you do not know, and read optional members as optional",
                              sent[i].what, sent[i].outcome()),
                  sent,
                  send_line(p.settings(), "job_created",
                            " --drift " + std::string(contract::variation_name(contract::variations()[i]))));
    }
  }
  if (sent.size() < deliveries.size()) {
    return fail("stopped at a timeout", sent, send_line(p.settings(), "job_created", " --drift unknown-member"));
  }
  return pass("unknown members, an optional member null or left out, members reordered: all 2xx", sent);
}

Outcome missing_credential(Probe& p)
{
  const auto& scheme = scheme_of(p);
  Delivery d = p.fixture("job_created");
  d.credential = Credential::missing;
  d.what = scheme.kind == signing::Kind::token ? "no token in the URL" : "no signature headers";
  Settings bare = p.settings(); // the same request without the credential
  bare.scheme = {};
  bare.scheme.kind = signing::Kind::none;
  bare.token_in_path = false;
  return expect_refused(p, {d}, "the credential", "anyone could post events", curl_line(bare, "POST", d.body));
}

Outcome wrong_credential(Probe& p)
{
  const auto& scheme = scheme_of(p);
  Delivery d = p.fixture("job_created");
  d.credential = Credential::wrong;
  d.what = scheme.kind == signing::Kind::token ? "a wrong token" : "signed with a wrong secret";
  return expect_refused(p, {d}, "the credential", "the credential is not checked",
                        send_line(p.settings(), "job_created", " --wrong-secret"));
}

Outcome tampered_body(Probe& p)
{
  Delivery d = p.fixture("job_created");
  d.tamper = true;
  d.what = "body changed after signing";
  return expect_refused(p, {d}, "the signature", "the signature is not checked against the body",
                        send_line(p.settings(), "job_created", " --tamper"));
}

Outcome timestamps(Probe& p)
{
  Delivery old = p.fixture("job_created", {}, seconds(-600));
  old.what = "signed 10 minutes ago";
  Delivery ahead = p.fixture("job_created", {}, seconds(600));
  ahead.what = "signed 10 minutes ahead";
  Delivery recent = p.fixture("job_created", {}, seconds(-120));
  recent.what = "signed 2 minutes ago";
  auto sent = send_each(p, {old, ahead, recent});
  std::vector<std::string> bad;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const bool want_ok = i == 2;
    if (want_ok ? !sent[i].ok() : !sent[i].refused()) {
      bad.push_back(fmt::format("{}: {} (expected {})", sent[i].what, sent[i].outcome(), want_ok ? "2xx" : "4xx"));
    }
  }
  if (bad.empty() && sent.size() == 3) {
    return pass("10 minutes old and ahead refused, 2 minutes old accepted", sent);
  }
  return fail(bad.empty() ? "stopped at a timeout" : fmt::format("{}", fmt::join(bad, "; ")), sent,
              send_line(p.settings(), "job_created", " --skew -10m"));
}

// A 2xx where a 4xx was expected for a body that is not an envelope: only a warning when the scheme signs the body (no
// one else could have sent it); a failure otherwise. A 5xx or no answer always fails.
bool lenient(const Probe& p, const Sent& s)
{
  return s.ok() && scheme_of(p).signs_body;
}

Outcome malformed_input(Probe& p)
{
  const std::string envelope = p.fixture("job_created").body;
  const std::vector<Delivery> bodies{
      p.raw("invalid JSON", R"({"topicName":"job_created","eventId":)"),
      p.raw("an empty body", ""),
      p.raw("a JSON array", "[]"),
      p.raw("a truncated envelope", envelope.substr(0, envelope.size() / 2)),
  };
  const auto sent = send_each(p, bodies);
  std::vector<std::string> bad;
  std::string reproduce;
  bool only_lenient = true;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (!sent[i].refused()) {
      only_lenient = only_lenient && lenient(p, sent[i]);
      bad.push_back(fmt::format("{}: {}", sent[i].what, sent[i].outcome()));
      if (reproduce.empty()) {
        reproduce = curl_line(p.settings(), "POST", bodies[i].body);
      }
    }
  }
  if (bad.empty() && sent.size() == bodies.size()) {
    return pass("invalid JSON, an empty body, an array and a truncated envelope: all 4xx", sent);
  }
  if (only_lenient && sent.size() == bodies.size()) {
    return {Grade::warn,
            fmt::format("validly signed bodies that are not envelopes were accepted ({}): expected 400, so that a "
                        "sender's bug shows instead of being dropped",
                        fmt::join(bad, "; ")),
            sent, reproduce};
  }
  return fail(fmt::format("expected 4xx for input that is not an envelope (never 5xx, never a hang{}): {}",
                          scheme_of(p).signs_body ? "" : "; and nothing signs these bodies",
                          bad.empty() ? "stopped at a timeout" : fmt::format("{}", fmt::join(bad, "; "))),
              sent, reproduce);
}

Outcome oversized_body(Probe& p)
{
  const Delivery small = p.fixture("job_created");
  const std::size_t at = small.body.rfind('}');
  const std::string head = small.body.substr(0, at) + ",\"padding\":\"";
  const std::string tail = "\"" + small.body.substr(at);
  constexpr std::size_t k_padding = 10u << 20;
  Delivery big = small;
  big.body = head + std::string(k_padding, 'x') + tail;
  big.what = "a 10 MiB envelope";
  const Sent first = p.send(big);
  const bool closed = first.status == 0 && !first.timed_out;
  std::vector<Sent> sent{first};
  const std::string reproduce =
      curl_line_writing(p.settings(), "POST",
                        fmt::format("{{ printf '%s' {}; head -c {} /dev/zero | tr '\\0' x; printf '%s' {}; }} > body",
                                    util::shell_quote(head), k_padding, util::shell_quote(tail)));
  if (lenient(p, first)) {
    return {Grade::warn,
            fmt::format("a validly signed 10 MiB body got {}: taking it is allowed, but a receiver that reads any "
                        "size can be made to run out of memory; 413 beyond a limit (AccuLynx's events are a few KB)",
                        first.outcome()),
            sent, reproduce};
  }
  if (!(first.refused() || closed)) {
    return fail(fmt::format("a 10 MiB body got {}: expected 413 (or another 4xx, or the connection closed){}",
                            first.outcome(), first.ok() ? "; nothing signs this body, anyone can send it" : ""),
                sent, reproduce);
  }
  sent.push_back(p.send(p.fixture("job_created")));
  if (!sent.back().ok()) {
    return fail(fmt::format("after a 10 MiB body, a valid delivery got {}", sent.back().outcome()), sent,
                send_line(p.settings(), "job_created"));
  }
  return pass(
      fmt::format("a 10 MiB body: {}; a valid delivery after it: 2xx", closed ? "connection closed" : first.outcome()),
      sent);
}

Outcome other_methods(Probe& p)
{
  std::vector<Sent> sent;
  std::vector<std::string> bad;
  std::vector<std::string> unsupported; // 501: what RFC 9110 prescribes for a method the server does not support
  std::string reproduce;
  for (const char* method : {"GET", "PUT"}) {
    Delivery d = p.fixture("job_created");
    d.method = method;
    d.what = method;
    sent.push_back(p.send(d));
    const Sent& s = sent.back();
    if (s.status == 501) {
      unsupported.push_back(method);
    } else if (s.ok() || s.server_error() || s.status == 0) {
      bad.push_back(fmt::format("{}: {}", method, s.outcome()));
    } else {
      continue;
    }
    if (reproduce.empty()) {
      reproduce = curl_line(p.settings(), method, d.body);
    }
    if (s.timed_out) {
      break;
    }
  }
  if (!bad.empty()) {
    return fail(fmt::format("only POST delivers: expected 405 (never 2xx, never 5xx): {}", fmt::join(bad, "; ")), sent,
                reproduce);
  }
  if (!unsupported.empty()) {
    return {Grade::warn,
            fmt::format("{}: 501 (RFC 9110: a method the server does not support at all); 405 with Allow: POST says "
                        "this URL takes POST only",
                        fmt::join(unsupported, ", ")),
            sent, reproduce};
  }
  return pass(fmt::format("GET: {}; PUT: {}", sent[0].outcome(), sent[1].outcome()), sent);
}

Outcome no_redirects(Probe& p)
{
  const Sent now = p.send(p.fixture("job_created"));
  auto redirects = p.redirects();
  if (redirects.empty()) {
    return pass("no delivery was answered with a redirect", {now});
  }
  return fail(
      fmt::format("{} {} answered {}: providers do not follow redirects, so the event is lost",
                  util::plural(redirects.size(), "delivery", "deliveries"), redirects.size() == 1 ? "was" : "were",
                  redirects.front().outcome()),
      {redirects.begin(), redirects.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(redirects.size(), 5))},
      send_line(p.settings(), "job_created"));
}

Outcome still_serving(Probe& p)
{
  const Sent sent = p.send(p.fixture("job_created"));
  if (!sent.ok()) {
    return fail(fmt::format("after the battery, a valid delivery got {}", sent.outcome()), {sent},
                send_line(p.settings(), "job_created"));
  }
  return pass("a valid delivery after everything else: 2xx", {sent});
}

Outcome legacy_envelope(Probe& p)
{
  Delivery d = p.fixture("job-milestone-changed");
  d.what = "job-milestone-changed (the older envelope: topicNamee, Event)";
  const Sent sent = p.send(d);
  if (!sent.ok()) {
    return recommend(fail(fmt::format("the older documented envelope got {}", sent.outcome()), {sent},
                          send_line(p.settings(), "job-milestone-changed")));
  }
  return pass("the older documented envelope got 2xx", {sent});
}

Outcome rotated_secrets(Probe& p)
{
  Delivery d = p.fixture("job_created");
  const auto other = util::random_bytes(32);
  d.extra_signature = "v1," + util::base64_encode({other.data(), other.size()});
  d.what = "two signatures, the second valid";
  const Sent sent = p.send(d);
  if (!sent.ok()) {
    return recommend(fail(fmt::format("a header with an old and a valid signature got {}: accept any that matches, so "
                                      "secrets can be rotated",
                                      sent.outcome()),
                          {sent}, ""));
  }
  return pass("a header with two signatures, one valid: 2xx", {sent});
}

Outcome content_type(Probe& p)
{
  Delivery d = p.fixture("job_created");
  d.headers.add("Content-Type", "text/plain");
  d.what = "Content-Type: text/plain";
  const Sent sent = p.send(d);
  if (sent.server_error() || sent.status == 0) {
    return recommend(fail(fmt::format("text/plain got {}: expected 2xx or 415, never 5xx", sent.outcome()), {sent},
                          curl_line(p.settings(), "POST", d.body, "text/plain")));
  }
  if (sent.status == 401 || sent.status == 403) {
    return inconclusive(fmt::format("text/plain got {}: the credential was refused, so the content type was not "
                                    "judged",
                                    sent.outcome()),
                        {sent});
  }
  return pass(fmt::format("text/plain got {}", sent.outcome()), {sent});
}

Outcome transport(Probe& p)
{
  const auto url = util::parse_url(p.settings().url);
  if (!url) {
    return skip("not a URL");
  }
  if (url->scheme == "http") {
    if (util::is_loopback_host(url->host)) {
      return pass("plain http on loopback: fine while developing; AccuLynx delivers over https");
    }
    return recommend(
        fail(fmt::format("plain http to {}: deliveries and their tokens cross the network in the clear", url->host), {},
             ""));
  }
  Settings strict = p.settings();
  strict.insecure = false;
  Probe verified(strict);
  const Sent sent = verified.send(verified.fixture("job_created"));
  if (sent.status == 0 && !sent.timed_out) {
    return recommend(fail(fmt::format("TLS: {}", sent.error), {sent}, ""));
  }
  return pass("https with a certificate valid for the host (TLS 1.2 or later: the floor of this system's OpenSSL)",
              {sent});
}

Outcome allow_list(Probe& p)
{
  const std::string other = util::new_guid();
  Delivery d = p.fixture("job_created", {fmt::format("subscriptionId=\"{}\"", other)});
  d.what = "another subscriptionId";
  Settings as_other = p.settings();
  as_other.subscription = other;
  return recommend(expect_refused(p, {d}, "the subscription", "any subscription's deliveries are taken",
                                  send_line(as_other, "job_created")));
}

// Whom a check applies to: "" for these settings, else why it is skipped.
std::string with_secret(const Settings& s)
{
  return signing::traits(s.scheme.kind).takes_secret ? "" : "--scheme none: there is no credential to test";
}

std::string with_signed_body(const Settings& s)
{
  const auto& t = signing::traits(s.scheme.kind);
  return t.signs_body ? "" : fmt::format("--scheme {} signs no body", t.name);
}

std::string with_timestamp(const Settings& s)
{
  const auto& t = signing::traits(s.scheme.kind);
  return t.timestamped ? "" : fmt::format("--scheme {} signs no timestamp", t.name);
}

std::string with_signature_list(const Settings& s) // only Standard Webhooks lists several signatures
{
  return s.scheme.kind == signing::Kind::standard || s.scheme.kind == signing::Kind::svix
             ? ""
             : fmt::format("--scheme {} carries one signature", signing::traits(s.scheme.kind).name);
}

std::string with_subscription(const Settings& s)
{
  return s.subscription ? "" : "give --subscription ID to check that other subscriptions are refused";
}

std::function<std::size_t(const Settings&)> fixed(std::size_t n)
{
  return [n](const Settings&) { return n; };
}

} // namespace

const std::vector<Check>& checks()
{
  static const std::vector<Check> all{
      {"every-topic", Level::required,
       "each of the 22 topics' events gets a 2xx within {timeout} (AccuLynx waits 10 s)", k_acculynx, fixed(22),
       every_topic},
      {"fast-answers", Level::required,
       "a burst of deliveries all get 2xx within {timeout}; over 1 s warns (answer first, process later)", k_acculynx,
       [](const Settings& s) { return s.burst; }, fast_answers},
      {"duplicates", Level::required,
       "the same event twice in a row, then 4 times at once: every answer 2xx, and processed once", k_acculynx,
       fixed(6), duplicates},
      {"out-of-order", Level::required, "three changes to one job delivered newest first: all 2xx", k_acculynx,
       fixed(3), out_of_order},
      {"unknown-topic", Level::required, "an envelope with a topic AccuLynx may add tomorrow: 2xx", k_acculynx,
       fixed(1), unknown_topic},
      {"tolerant-reader", Level::required,
       "an event with members it does not know, an optional member null or absent, its members in another order: "
       "all 2xx (AccuLynx promises none of this stays fixed)",
       k_acculynx, fixed(4), tolerant_reader},
      {"missing-credential", Level::required, "no token or no signature headers: 4xx (then a valid one: 2xx)", k_owasp,
       fixed(2), missing_credential, true, with_secret},
      {"wrong-credential", Level::required, "a wrong token or a wrong secret: 4xx (then a valid one: 2xx)", k_owasp,
       fixed(2), wrong_credential, true, with_secret},
      {"tampered-body", Level::required, "the body changed after signing: 4xx (then a valid one: 2xx)", k_standard,
       fixed(2), tampered_body, true, with_signed_body},
      {"timestamps", Level::required, "signed 10 minutes ago or ahead: 4xx; 2 minutes ago: 2xx", k_standard, fixed(3),
       timestamps, true, with_timestamp},
      {"malformed-input", Level::required,
       "invalid JSON, an empty body, a JSON array, a truncated envelope: 4xx, never 5xx, never a hang (2xx to "
       "validly signed ones warns)",
       k_owasp, fixed(4), malformed_input},
      {"oversized-body", Level::required,
       "a 10 MiB body: 413, another 4xx or a closed connection, never 5xx or a hang (2xx to a validly signed one "
       "warns); then a valid delivery gets 2xx",
       k_owasp, fixed(2), oversized_body},
      {"other-methods", Level::required, "GET and PUT on the URL: not 2xx (405 expected, 501 warns), never another 5xx",
       k_http, fixed(2), other_methods},
      {"no-redirects", Level::required, "no delivery is answered with a redirect (providers do not follow them)",
       k_acculynx, fixed(1), no_redirects},
      {"still-serving", Level::required, "after everything above, a valid delivery gets 2xx", k_acculynx, fixed(1),
       still_serving},
      {"legacy-envelope", Level::recommended,
       "the older documented envelope (topicNamee, Event, the legacy topic): 2xx", k_acculynx, fixed(1),
       legacy_envelope},
      {"rotated-secrets", Level::recommended, "a signature header with several signatures, one valid: 2xx", k_standard,
       fixed(1), rotated_secrets, true, with_signature_list},
      {"content-type", Level::recommended, "text/plain with a valid body: not 5xx", k_http, fixed(1), content_type},
      {"transport", Level::recommended,
       "https with a certificate valid for the host and TLS 1.2 or later; plain http beyond loopback warns", k_owasp,
       fixed(1), transport, false},
      {"subscription-allow-list", Level::recommended,
       "with --subscription: an envelope for another subscription gets 4xx", k_owasp, fixed(2), allow_list, true,
       with_subscription},
  };
  return all;
}

} // namespace acx::check
