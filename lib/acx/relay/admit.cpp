#include "acx/relay/admit.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/event/envelope.hpp"
#include "acx/event/facts.hpp"
#include "acx/util/text.hpp"

namespace acx::relay {

namespace {

Admitted refuse(std::string_view reason, std::string detail)
{
  return {std::nullopt, {reason, std::move(detail)}};
}

bool has_control(std::string_view s)
{
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Why the headers are not ones a direct delivery could have had; nullopt when they are.
std::optional<std::string> header_problem(const util::Headers& headers, const Admission& limits)
{
  if (headers.size() > limits.max_headers) {
    return fmt::format("{} headers (at most {})", headers.size(), limits.max_headers);
  }
  std::size_t bytes = 0;
  for (const auto& h : headers) {
    if (const auto why = util::unsafe_header(h)) {
      return fmt::format("header {}: {}", util::excerpt(h.name), *why);
    }
    bytes += h.name.size() + h.value.size() + 4;
  }
  if (bytes > limits.max_head) {
    return fmt::format("headers of {} bytes (at most {})", bytes, limits.max_head);
  }
  return std::nullopt;
}

} // namespace

const std::vector<std::string_view>& refusal_reasons()
{
  static const std::vector<std::string_view> reasons{"invalid", "mismatch", "too_large", "headers",
                                                     "time",    "path",     "sequence"};
  return reasons;
}

Admitted admit(Delivery d, const Admission& limits, const std::string& remote, util::Instant now)
{
  if (d.body.size() > limits.max_body) {
    return refuse("too_large", fmt::format("a body of {} bytes, over --max-body ({})", d.body.size(), limits.max_body));
  }
  if (const auto why = header_problem(d.headers, limits)) {
    return refuse("headers", *why);
  }
  if (d.path.empty() || d.path.front() != '/' || d.path.size() > limits.max_path || has_control(d.path)) {
    return refuse("path", fmt::format("path {} is not one a delivery is posted to", util::excerpt(d.path)));
  }
  if (d.received.seconds > now.seconds + limits.future_skew.count()) {
    return refuse("time", fmt::format("received at {}, in the future", util::format_rfc3339(d.received)));
  }
  event::ParsedEnvelope parsed = event::parse_envelope(d.body);
  if (!parsed.envelope) {
    std::vector<std::string> lines;
    for (const auto& p : parsed.problems) {
      lines.push_back(event::describe(p));
    }
    return refuse("invalid", fmt::format("not a valid AccuLynx envelope: {}", fmt::join(lines, "; ")));
  }
  event::Envelope& env = *parsed.envelope;
  const std::string event_id = util::to_lower(env.event_id);
  if (util::to_lower(d.event_id) != event_id || d.topic != env.topic) {
    return refuse("mismatch",
                  fmt::format("the relay names eventId {} and topic {}, the body {} and {}", util::excerpt(d.event_id),
                              util::excerpt(d.topic), event_id, util::excerpt(env.topic)));
  }
  journal::Record r;
  if (limits.contract) {
    r.drift = contract::drift_text(
        event::whole_body(parsed, [&](const nlohmann::json& body) { return limits.contract->check(env.topic, body); }));
  }
  r.received = d.received;
  r.remote = remote;
  r.path = std::move(d.path);
  r.headers = std::move(d.headers);
  r.body = std::move(d.body);
  r.relay_seq = d.seq;
  r.status = journal::Status::accepted;
  r.topic = std::move(env.topic);
  r.event_id = event_id;
  r.subscription_id = std::move(env.subscription_id);
  r.event_time = std::move(env.event_time_text);
  auto facts = event::facts(env.event);
  r.subject = std::move(facts.subject);
  r.gist = std::move(facts.gist);
  return {std::move(r), {}};
}

} // namespace acx::relay
