#include "acx/forward/hand_over.hpp"

#include <fmt/format.h>
#include <map>
#include <memory>

#include "acx/deliver/retry.hpp"
#include "acx/http/client.hpp"
#include "acx/journal/trace.hpp"
#include "acx/nats/publisher.hpp"
#include "acx/signing/secret.hpp"
#include "acx/util/process.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::forward {

namespace {

using journal::Handed;
using Clock = std::chrono::steady_clock;
using Item = Schedule::Item;

constexpr std::size_t k_answer = 200;

// What an answer says, in a line: an HTML page's title (a proxy's or server's error page), else its first line.
std::string first_line(std::string_view text)
{
  text = util::trim(text);
  if (text.starts_with('<')) {
    const auto open = text.find("<title>");
    const auto close = text.find("</title>");
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
      return util::excerpt(util::trim(text.substr(open + 7, close - open - 7)), k_answer);
    }
  }
  return util::excerpt(util::trim(text.substr(0, text.find('\n'))), k_answer);
}

// The headers a provider's own library wants beside its signature, per event: octokit's middleware refuses a delivery
// without X-GitHub-Event and X-GitHub-Delivery, Shopify's webhooks.validate one without its topic, webhook id, shop
// domain and API version. A fixed header of the same name (--forward-header, a route's headers) replaces the default:
// that is how the shop domain and the API version are set.
util::Headers provider_headers(signing::Kind kind, const journal::Record& r)
{
  if (kind == signing::Kind::github) {
    return {{"X-GitHub-Event", r.topic}, {"X-GitHub-Delivery", r.event_id}};
  }
  if (kind == signing::Kind::shopify) {
    return {{"X-Shopify-Topic", r.topic},
            {"X-Shopify-Webhook-Id", r.event_id},
            {"X-Shopify-Event-Id", r.event_id},
            {"X-Shopify-Triggered-At", util::format_rfc3339(r.received)},
            {"X-Shopify-Shop-Domain", "acx-forward.myshopify.com"},
            {"X-Shopify-API-Version", "2025-10"}};
  }
  return {};
}

// What goes with a forward, over HTTP or NATS: the URL as the signature leaves it, and the headers: the signature's,
// the provider's, the fixed ones, the trace, acx's own.
struct Outgoing {
  std::string url;
  util::Headers headers;
};

Outgoing outgoing(const Consumer& c, const signing::Scheme* signer, const Item& item)
{
  const auto& r = *item.record;
  Outgoing out{c.url, {}};
  util::Headers& headers = out.headers;
  if (signer) {
    auto sig = signer->sign({r.body, r.event_id, util::now_unix(), c.url});
    out.url = std::move(sig.url);
    headers = std::move(sig.headers);
  }
  for (const auto& h : provider_headers(c.scheme.kind, r)) {
    if (!c.headers.find(h.name)) {
      headers.add(h.name, h.value);
    }
  }
  for (const auto& h : c.headers) {
    headers.add(h.name, h.value);
  }
  if (!c.headers.find("traceparent")) { // the delivery's trace, continued by this hop (W3C Trace Context)
    const auto trace = journal::trace_of(r);
    headers.add("traceparent", journal::traceparent(trace));
    if (!trace.state.empty()) {
      headers.add("tracestate", trace.state);
    }
  }
  const std::string* type = r.headers.find("Content-Type");
  headers.add("Content-Type", type ? *type : "application/json");
  headers.add("X-Acx-Event-Id", r.event_id);
  headers.add("X-Acx-Topic", r.topic);
  headers.add("X-Acx-Seq", std::to_string(r.seq));
  headers.add("X-Acx-Attempt", std::to_string(item.attempt));
  if (journal::reconciled(r)) {
    headers.add("X-Acx-Reconciled", "1"); // rebuilt by acx reconcile --repair, never delivered by AccuLynx
  }
  return out;
}

} // namespace

Result post_to(const Consumer& c, const signing::Scheme* signer, const Schedule::Item& item, std::stop_token abandon)
{
  const auto& r = *item.record;
  thread_local std::map<std::string, std::unique_ptr<http::Client>> clients;
  auto [url, headers] = outgoing(c, signer, item);
  Result out;
  const auto parsed = util::parse_url(url);
  if (!parsed) {
    out.state = Handed::dead;
    out.answer = "not a URL";
    return out;
  }
  auto& client = clients[c.name + " " + parsed->origin()];
  if (!client) {
    http::ClientOptions co;
    co.timeout = c.timeout;
    co.client_cert = c.tls.cert;
    co.client_key = c.tls.key;
    co.ca_cert = c.tls.cacert;
    client = std::make_unique<http::Client>(*parsed, co);
  }
  const http::Exchange e = client->post(parsed->target, headers, r.body, abandon);
  if (e.failure == http::Failure::aborted) {
    out.abandoned = true;
    return out;
  }
  out.status = e.status;
  out.ms = static_cast<double>(e.latency.count()) / 1000.0;
  out.answer = e.status == 0 ? e.error : first_line(e.body);
  if (e.status == 0) {
    client.reset(); // a fresh connection next time
  }
  switch (deliver::classify(e)) {
  case deliver::Next::done:
    out.state = Handed::delivered;
    break;
  case deliver::Next::give_up:
    out.state = Handed::dead;
    out.stop = e.status == 410;
    if ((e.status == 401 || e.status == 403) && c.scheme.kind == signing::Kind::none) {
      out.answer += "; the app wants a credential: --forward-secret (or a route's secret) signs the forwards";
    }
    break;
  case deliver::Next::retry:
    if (const std::string* v = e.headers.find("Retry-After")) {
      out.retry_after = deliver::parse_retry_after(*v, util::now_unix());
    }
    break;
  }
  return out;
}

namespace {

// The consumer's jq program on the item's body, in the steps asked: nullopt when it passed (the body replaced by
// the transform's output), else the attempt's result: filtered, dead, or abandoned.
std::optional<Result> shape(jq::Runner& jq, Item& item, jq::Runner::Steps steps, std::stop_token abandon)
{
  const auto out = jq.run(item.record->body, abandon, steps);
  Result res;
  switch (out.verdict) {
  case jq::Outcome::Verdict::pass:
    if (steps != jq::Runner::Steps::filter && !jq.programs().transform.empty()) {
      auto copy = std::make_shared<journal::Record>(*item.record);
      copy->body = out.body;
      item.record = std::move(copy);
    }
    return std::nullopt;
  case jq::Outcome::Verdict::skip:
    res.filtered = true;
    res.answer = "filtered out: the filter gave " + out.why;
    break;
  case jq::Outcome::Verdict::fail:
    res.state = Handed::dead;
    res.answer = "jq: " + out.why;
    break;
  case jq::Outcome::Verdict::abandoned:
    res.abandoned = true;
    break;
  }
  return res;
}

} // namespace

Result hand(const Consumer& c, const signing::Scheme* signer, Hydrate* hydrate, jq::Runner& jq,
            const std::function<bool()>& gate, const Item& item, std::stop_token stop)
{
  Item full = item;
  const auto go = [&] {
    if (!gate()) {
      Result abandoned;
      abandoned.abandoned = true;
      return abandoned;
    }
    Result res = c.via() == Via::command ? run_for(c, full, stop)
                 : c.via() == Via::nats  ? publish_to(c, signer, full, stop)
                                         : post_to(c, signer, full, stop);
    res.attempted = !res.abandoned;
    return res;
  };
  if (c.hydrate.empty()) {
    auto shaped = shape(jq, full, jq::Runner::Steps::both, stop);
    return shaped ? *shaped : go();
  }
  if (auto filtered = shape(jq, full, jq::Runner::Steps::filter, stop)) {
    return *filtered;
  }
  try {
    if (!hydrate) {
      throw std::runtime_error("no API to hydrate from (listen --profile with an API key)");
    }
    auto copy = std::make_shared<journal::Record>(*item.record);
    copy->body = hydrate->body(*item.record, c.hydrate, stop);
    full.record = std::move(copy);
  } catch (const std::exception& e) {
    Result failed;
    failed.abandoned = stop.stop_requested();
    failed.answer = fmt::format("not hydrated: {}", e.what());
    if (failed.abandoned || !c.hydrate_thin) {
      return failed;
    }
  }
  auto shaped = shape(jq, full, jq::Runner::Steps::transform, stop);
  return shaped ? *shaped : go();
}

Result publish_to(const Consumer& c, const signing::Scheme* signer, const Schedule::Item& item, std::stop_token abandon)
{
  const auto& r = *item.record;
  thread_local std::map<std::string, std::unique_ptr<nats::Publisher>> publishers; // this thread's connections
  auto& publisher = publishers[c.name + " " + c.url];
  if (!publisher) {
    const auto target = nats::parse_target(c.url); // checked when the consumer was made
    publisher = std::make_unique<nats::Publisher>(*target, nats::Tls{c.tls.cert, c.tls.key, c.tls.cacert}, c.timeout);
  }
  const Outgoing out = outgoing(c, signer, item);
  const auto began = Clock::now();
  const nats::Ack ack = publisher->publish({r.event_id, out.headers, r.body}, abandon);
  Result res;
  res.ms = std::chrono::duration<double, std::milli>(Clock::now() - began).count();
  switch (ack.state) {
  case nats::Ack::State::stored:
    res.state = Handed::delivered;
    res.answer = fmt::format("stream {} seq {}", ack.stream, ack.seq);
    break;
  case nats::Ack::State::duplicate:
    res.state = Handed::delivered;
    res.answer = fmt::format("stream {} seq {} already (a repeat, dropped by JetStream)", ack.stream, ack.seq);
    break;
  case nats::Ack::State::refused:
    res.state = Handed::dead;
    res.answer = ack.why;
    break;
  case nats::Ack::State::failed:
    res.answer = ack.why;
    break;
  case nats::Ack::State::abandoned:
    res.abandoned = true;
    break;
  }
  return res;
}

Result run_for(const Consumer& c, const Schedule::Item& item, std::stop_token abandon)
{
  const auto& r = *item.record;
  const auto began = Clock::now();
  util::CommandSpec spec{c.command,
                         {{"ACX_EVENT_ID", r.event_id},
                          {"ACX_TOPIC", r.topic},
                          {"ACX_SUBSCRIPTION_ID", r.subscription_id},
                          {"ACX_SEQ", std::to_string(r.seq)},
                          {"ACX_ATTEMPT", std::to_string(item.attempt)},
                          {"TRACEPARENT", journal::traceparent(journal::trace_of(r))}},
                         c.timeout,
                         r.body};
  const auto run = util::run_command(spec, abandon);
  Result out;
  if (run.abandoned) {
    out.abandoned = true;
    return out;
  }
  out.ms = std::chrono::duration<double, std::milli>(Clock::now() - began).count();
  out.status = run.exit_code;
  out.state = run.exit_code == 0 && !run.timed_out ? Handed::delivered : Handed::pending;
  out.answer = run.timed_out ? fmt::format("killed after {} ms", c.timeout.count())
               : run.exit_code == 0
                   ? first_line(run.out)
                   : fmt::format("exit {}{}", run.exit_code, run.out.empty() ? "" : ": " + first_line(run.out));
  if (run.left_behind) {
    out.answer += " (processes it left running were killed)";
  }
  return out;
}

} // namespace acx::forward
