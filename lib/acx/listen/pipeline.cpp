#include "acx/listen/pipeline.hpp"
#include "acx/event/json_text.hpp"

#include <fmt/format.h>
#include <future>
#include <nlohmann/json.hpp>

#include "acx/event/envelope.hpp"
#include "acx/event/facts.hpp"
#include "acx/util/text.hpp"

namespace acx::listen {

namespace {

using Json = nlohmann::ordered_json; // answers keep their keys in the order written

http::Response json_response(int status, const Json& body)
{
  return {status, "application/json", event::json_line(body), {}};
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

// The body and headers move into the record once nothing else needs them; credentials are blanked, and so is a token
// in the path (a route's {token} segment, the last).
void take_delivery(journal::Record& record, http::Request& request)
{
  record.path = request.params.empty() ? request.path : request.path.substr(0, request.path.rfind('/'));
  record.headers = std::move(request.headers);
  util::redact_credentials(record.headers);
  record.body = std::move(request.body);
}

// Why a delivery that differs from its topic's schema is refused (--contract refuse), naming the first paths.
std::string contract_refusal(const std::string& topic, const contract::Drift& drift)
{
  std::vector<std::string> what;
  for (std::size_t i = 0; i < drift.size() && i < 5; ++i) {
    what.push_back(contract::describe(drift[i]));
  }
  return fmt::format("the event differs from the schema of {}: {}{}", util::excerpt(topic), fmt::join(what, "; "),
                     drift.size() > what.size() ? fmt::format(" (and {} more)", drift.size() - what.size()) : "");
}

} // namespace

Pipeline::Pipeline(Admission admission, journal::Writer& journal, Metrics& metrics,
                   std::function<void(const RefusedNote&)> on_refused)
    : m_admission(std::make_shared<const Admission>(std::move(admission))), m_journal(journal), m_metrics(metrics),
      m_on_refused(std::move(on_refused))
{
}

void Pipeline::admit(Admission admission)
{
  auto next = std::make_shared<const Admission>(std::move(admission));
  std::lock_guard lock(m_admission_mutex);
  m_admission.swap(next); // the previous one is freed outside the lock, when `next` goes
}

http::Response Pipeline::handle(http::Request request) const
{
  std::promise<http::Response> answer;
  auto future = answer.get_future();
  handle(std::move(request), [&answer](http::Response r) { answer.set_value(std::move(r)); });
  return future.get();
}

void Pipeline::handle(http::Request request, http::Reply reply) const
{
  m_metrics.received();
  const std::shared_ptr<const Admission> admission = [this] {
    std::lock_guard lock(m_admission_mutex);
    return m_admission;
  }();
  journal::Record record;
  record.received = util::now();
  record.remote = request.remote;

  if (!json_content_type(request.headers)) {
    return refuse(request, 415, Refusal::content_type,
                  fmt::format("Content-Type {} is not JSON: expected application/json (with curl: -H "
                              "'Content-Type: application/json')",
                              util::excerpt(*request.headers.find("Content-Type"))),
                  std::move(record), reply);
  }

  const signing::Verdict verdict = admission->scheme->verify(
      signing::Message{request.body, request.headers, request.target, !request.params.empty()},
      record.received.seconds);
  if (!verdict.ok()) {
    return refuse(request, 401, refusal_of(verdict.reason), verdict.detail, std::move(record), reply);
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
                  fmt::format("not a valid AccuLynx envelope: {}", fmt::join(lines, "; ")), std::move(record), reply,
                  {{"error", fmt::format("not a valid AccuLynx envelope ({} problem{})", lines.size(),
                                         lines.size() > 1 ? "s" : "")},
                   {"problems", problems}});
  }

  event::Envelope& env = *parsed.envelope;
  // eventIds are GUIDs, which compare without regard to case: the journal keeps them in lower case.
  std::string event_id = util::to_lower(env.event_id);
  record.topic = std::move(env.topic);
  record.event_id = event_id;
  record.subscription_id = std::move(env.subscription_id);
  record.event_time = std::move(env.event_time_text);

  if (!admission->subscriptions.empty() && !admission->subscriptions.contains(util::to_lower(record.subscription_id))) {
    return refuse(request, 403, Refusal::subscription,
                  record.subscription_id.empty()
                      ? std::string("the envelope has no subscriptionId, and this listener accepts only its own")
                      : fmt::format("subscriptionId {} is not one this listener accepts", record.subscription_id),
                  std::move(record), reply);
  }

  if (admission->contract) {
    const contract::Drift drift = event::whole_body(
        parsed, [&](const nlohmann::json& body) { return admission->contract->check(record.topic, body); });
    if (!drift.empty() && admission->refuse_drift) {
      return refuse(request, 422, Refusal::contract, contract_refusal(record.topic, drift), std::move(record), reply,
                    {{"drift", Json::parse(contract::drift_text(drift))}});
    }
    m_metrics.drifted(record.topic, drift);
    record.drift = contract::drift_text(drift);
  }
  take_delivery(record, request);
  record.status = journal::Status::accepted;
  auto facts = event::facts(env.event); // derived once, here; every reader of the journal uses them
  record.subject = std::move(facts.subject);
  record.gist = std::move(facts.gist);
  m_journal.append_async(std::move(record), [this, reply, remote = std::move(request.remote), id = std::move(event_id)](
                                                journal::Appended a) { reply(stored(a, remote, id)); });
}

http::Response Pipeline::stored(const journal::Appended& stored, const std::string& remote,
                                const std::string& event_id) const
{
  if (!stored.stored) {
    m_metrics.refused(Refusal::unavailable);
    if (m_on_refused) {
      m_on_refused({remote, Refusal::unavailable, stored.error});
    }
    auto response =
        json_response(503, {{"error", "the journal could not store the event; retry"}, {"reason", "unavailable"}});
    response.headers.add("Retry-After", "1");
    return response;
  }
  if (stored.status == journal::Status::duplicate) {
    m_metrics.duplicate();
  } else {
    m_metrics.accepted();
  }
  return {200,
          "application/json",
          fmt::format("{{\"status\":\"{}\",\"seq\":{},\"eventId\":\"{}\"}}\n", journal::status_name(stored.status),
                      stored.seq, event_id), // a validated GUID: nothing to escape
          {}};
}

void Pipeline::refuse(http::Request& request, int status, Refusal reason, std::string detail, journal::Record record,
                      const http::Reply& reply, nlohmann::ordered_json extra) const
{
  m_metrics.refused(reason);
  take_delivery(record, request);
  record.status = journal::Status::refused;
  record.reason = std::string(refusal_name(reason));
  record.detail = detail;
  if (m_on_refused) {
    m_on_refused({request.remote, reason, detail});
  }
  Json body{{"reason", refusal_name(reason)}, {"error", detail}}; // the reason first: it survives excerpts
  if (extra.is_object()) {
    body.update(extra);
  }
  // Answered once the refusal is journaled (or could not be: the refusal stands either way).
  m_journal.append_async(std::move(record),
                         [reply, response = json_response(status, body)](journal::Appended) { reply(response); });
}

} // namespace acx::listen
