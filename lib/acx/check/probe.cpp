#include "acx/check/probe.hpp"

#include <atomic>
#include <fmt/format.h>

#include "acx/deliver/prepare.hpp"
#include "acx/event/edit.hpp"
#include "acx/http/client.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/service.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::check {

namespace {

constexpr std::size_t k_answer_shown = 200;

} // namespace

std::string Sent::outcome() const
{
  const double ms = static_cast<double>(latency.count()) / 1000.0;
  if (status != 0) {
    return fmt::format("{} in {:.1f} ms", status, ms);
  }
  return timed_out ? fmt::format("no answer within {:.0f} ms", ms) : error;
}

Probe::Probe(Settings settings, std::stop_token stop) : m_settings(std::move(settings)), m_stop(std::move(stop)) {}

Delivery Probe::fixture(const std::string& topic, const std::vector<std::string>& assignments,
                        std::chrono::seconds skew) const
{
  util::Instant when = util::now();
  when.seconds += skew.count();
  auto made = event::fixture_event(topic, when, m_settings.subscription, assignments);
  Delivery d;
  d.what = topic;
  d.body = std::move(made.body);
  d.event_id = std::move(made.event_id);
  d.skew = skew;
  return d;
}

Delivery Probe::varied(const std::string& topic, contract::Variation v) const
{
  Delivery d = fixture(topic);
  auto doc = event::parse_editable(d.body, topic);
  d.what = fmt::format("{} ({})", contract::variation_name(v),
                       contract::vary(doc, topic, v, contract::SchemaSet::shipped()));
  d.body = event::serialize(doc, event::Layout::compact);
  return d;
}

Delivery Probe::raw(std::string what, std::string body) const
{
  Delivery d;
  d.what = std::move(what);
  d.body = std::move(body);
  d.event_id = util::new_guid();
  return d;
}

Sent Probe::send(const Delivery& d)
{
  const Settings& s = m_settings;
  deliver::PrepareOptions o;
  o.url = s.url;
  o.scheme = s.scheme;
  o.skew = d.skew;
  o.tamper = d.tamper;
  o.extra_headers = s.headers;
  for (const auto& h : d.headers) {
    o.extra_headers.add(h.name, h.value);
  }
  if (s.token_in_path) {
    // The credential is the URL's last segment: no scheme signs it.
    const std::string token = s.scheme.secrets.empty() ? std::string() : std::string(s.scheme.secrets.front().reveal());
    o.scheme = {};
    o.scheme.kind = signing::Kind::none;
    const std::string base = s.url.ends_with("/") ? s.url : s.url + "/";
    o.url = d.credential == Credential::valid   ? base + token
            : d.credential == Credential::wrong ? base + signing::new_secret(signing::Kind::token)
                                                : s.url;
  } else if (d.credential == Credential::missing) {
    o.scheme = {};
    o.scheme.kind = signing::Kind::none;
  } else if (d.credential == Credential::wrong) {
    o.wrong_secret = true;
  }
  deliver::Outgoing out = deliver::Signer(o).sign(d.body, d.event_id);
  const std::string_view list = signing::traits(o.scheme.kind).header; // a standard scheme's list of signatures
  if (const std::string* signature = list.empty() ? nullptr : out.headers.find(list);
      signature && !d.extra_signature.empty()) {
    out.headers.replace_values(list, d.extra_signature + " " + *signature);
  }

  Sent sent;
  sent.what = d.what;
  sent.method = d.method;
  std::vector<std::string> secrets;
  for (const auto& secret : s.scheme.secrets) {
    secrets.emplace_back(secret.reveal());
  }
  sent.url = util::redact_url(out.url, secrets);
  std::string why;
  const auto url = util::parse_url(out.url, &why);
  if (!url) {
    sent.error = fmt::format("not a URL: {}", why);
    return sent;
  }
  http::ClientOptions co;
  co.timeout = s.timeout;
  co.verify_tls = !s.insecure;
  http::Client client(*url, co);
  const http::Exchange e =
      client.request(d.method, url->target, out.headers, d.method == "GET" ? "" : out.body, m_stop);
  sent.status = e.status;
  sent.latency = e.latency;
  sent.answer = util::excerpt(e.body, k_answer_shown);
  sent.error = e.error;
  sent.timed_out = e.failure == http::Failure::timeout;
  sent.aborted = e.failure == http::Failure::aborted;
  std::lock_guard lock(m_mutex);
  ++m_requests;
  if (e.status >= 300 && e.status < 400) {
    m_redirects.push_back(sent);
  }
  return sent;
}

std::vector<Sent> Probe::send_all(const std::vector<Delivery>& deliveries, std::size_t concurrency)
{
  std::vector<std::optional<Sent>> made(deliveries.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> timed_out{false}; // no new request after the first timeout
  util::run_on_threads(std::min(concurrency, deliveries.size()), [&] {
    for (std::size_t i = next++; i < deliveries.size() && !timed_out; i = next++) {
      made[i] = send(deliveries[i]);
      timed_out = timed_out || made[i]->timed_out;
    }
  });
  std::vector<Sent> out;
  for (auto& m : made) {
    if (m) {
      out.push_back(std::move(*m));
    }
  }
  return out;
}

std::size_t Probe::requests_made() const
{
  std::lock_guard lock(m_mutex);
  return m_requests;
}

std::vector<Sent> Probe::redirects() const
{
  std::lock_guard lock(m_mutex);
  return m_redirects;
}

} // namespace acx::check
