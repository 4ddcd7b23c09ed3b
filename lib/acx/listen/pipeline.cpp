#include "acx/listen/pipeline.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/envelope.hpp"
#include "acx/util/text.hpp"

namespace acx::listen {

namespace {

using Json = nlohmann::json;

http::Response json_response(int status, const Json& body)
{
  return {status, "application/json", body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n", {}};
}

Refusal refusal_of(signing::Reason r)
{
  switch (r) {
  case signing::Reason::missing:
    return Refusal::missing;
  case signing::Reason::malformed:
    return Refusal::malformed;
  case signing::Reason::too_old:
    return Refusal::too_old;
  case signing::Reason::too_new:
    return Refusal::too_new;
  default:
    return Refusal::mismatch;
  }
}

// JSON, or no declared type at all (AccuLynx sends application/json; curl's default form type is not JSON).
bool json_content_type(const util::Headers& headers)
{
  const std::string* type = headers.find("Content-Type");
  if (!type) {
    return true;
  }
  const std::string media = util::to_lower(util::trim(std::string_view(*type).substr(0, type->find(';'))));
  return media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"));
}

// Headers worth keeping: all of them, with credentials blanked.
util::Headers kept_headers(const util::Headers& in)
{
  util::Headers out;
  for (const auto& h : in) {
    const bool credential = util::iequals(h.name, "Authorization") || util::iequals(h.name, "Cookie") ||
                            util::iequals(h.name, "Proxy-Authorization");
    out.add(h.name, credential ? "[redacted]" : h.value);
  }
  return out;
}

} // namespace

Pipeline::Pipeline(const signing::Scheme& scheme, std::set<std::string> subscriptions, journal::Writer& journal,
                   Metrics& metrics, std::function<void(const RefusedNote&)> on_refused)
    : m_scheme(scheme), m_subscriptions(std::move(subscriptions)), m_journal(journal), m_metrics(metrics),
      m_on_refused(std::move(on_refused))
{
}

http::Response Pipeline::handle(const http::Request& request) const
{
  m_metrics.received();
  journal::Record record;
  record.received = util::now();
  record.remote = request.remote;
  record.headers = kept_headers(request.headers);
  record.body = request.body;

  if (!json_content_type(request.headers)) {
    return refuse(request, 415, Refusal::content_type,
                  fmt::format("Content-Type {} is not JSON: expected application/json (with curl: -H "
                              "'Content-Type: application/json')",
                              util::excerpt(*request.headers.find("Content-Type"))),
                  std::move(record));
  }

  const signing::Verdict verdict =
      m_scheme.verify(signing::Message{request.body, request.headers, request.target}, record.received.seconds);
  if (!verdict.ok()) {
    return refuse(request, 401, refusal_of(verdict.reason), verdict.detail, std::move(record));
  }

  event::ParsedEnvelope parsed = event::parse_envelope(request.body);
  if (!parsed.envelope) {
    auto problems = Json::array();
    std::vector<std::string> lines;
    for (const auto& p : parsed.problems) {
      problems.push_back({{"level", p.level == event::Problem::Level::error ? "error" : "warning"},
                          {"path", p.path},
                          {"message", p.message}});
      lines.push_back(event::describe(p));
    }
    return refuse(request, 400, Refusal::invalid,
                  fmt::format("not a valid AccuLynx envelope: {}", fmt::join(lines, "; ")), std::move(record),
                  {{"error", fmt::format("not a valid AccuLynx envelope ({} problem{})", lines.size(),
                                         lines.size() > 1 ? "s" : "")},
                   {"problems", problems}});
  }

  const event::Envelope& env = *parsed.envelope;
  record.topic = env.topic;
  record.event_id = env.event_id;
  record.subscription_id = env.subscription_id;
  record.event_time = env.event_time_text;

  if (!m_subscriptions.empty() && !m_subscriptions.contains(util::to_lower(env.subscription_id))) {
    return refuse(request, 403, Refusal::subscription,
                  fmt::format("subscriptionId {} is not one this listener accepts", env.subscription_id),
                  std::move(record));
  }

  record.status = journal::Status::accepted;
  const journal::Appended stored = m_journal.append(std::move(record));
  if (!stored.stored) {
    m_metrics.refused(Refusal::unavailable);
    if (m_on_refused) {
      m_on_refused({request.remote, Refusal::unavailable, stored.error});
    }
    auto response = json_response(503, {{"error", "the journal could not store the event; retry"},
                                         {"reason", "unavailable"}});
    response.headers.add("Retry-After", "1");
    return response;
  }
  if (stored.status == journal::Status::duplicate) {
    m_metrics.duplicate();
  } else {
    m_metrics.accepted();
  }
  return json_response(200, {{"status", journal::status_name(stored.status)},
                             {"seq", stored.seq},
                             {"eventId", env.event_id}});
}

http::Response Pipeline::refuse(const http::Request& request, int status, Refusal reason, std::string detail,
                                journal::Record record, nlohmann::json extra) const
{
  m_metrics.refused(reason);
  record.status = journal::Status::refused;
  record.reason = std::string(refusal_name(reason));
  record.detail = detail;
  m_journal.append(std::move(record));
  if (m_on_refused) {
    m_on_refused({request.remote, reason, detail});
  }
  Json body{{"error", detail}, {"reason", refusal_name(reason)}};
  if (extra.is_object()) {
    body.update(extra);
  }
  return json_response(status, body);
}

} // namespace acx::listen
