#include "acx/deliver/prepare.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <random>

#include "acx/event/edit.hpp"
#include "acx/event/envelope.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::deliver {

namespace {

// The scheme with a random secret of the same form, for --wrong-secret.
signing::SchemeOptions with_random_secret(signing::SchemeOptions o)
{
  o.secrets.clear();
  o.secrets.emplace_back(signing::new_secret(o.kind));
  return o;
}

// The topic an envelope names, under any of its spellings.
std::string topic_of(const event::EditableJson& doc)
{
  for (const auto key : event::topic_keys()) {
    if (const auto it = doc.find(std::string(key)); it != doc.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return "";
}

std::string edited_body(const event::SourceEvent& e, const PrepareOptions& o, util::Instant now)
{
  const bool edit = o.fresh || o.subscription || !o.assignments.empty() || o.skew.count() != 0 || o.drift;
  if (!edit || !o.resign) {
    return e.body;
  }
  auto doc = event::parse_editable(e.body, e.origin);
  if (o.fresh || o.skew.count() != 0) {
    event::freshen(doc, {now.seconds + o.skew.count(), now.ticks});
  }
  if (o.subscription) {
    event::set_member(doc, "subscriptionId", *o.subscription);
  }
  for (const auto& a : o.assignments) {
    event::apply_assignment(doc, a);
  }
  if (o.drift) {
    contract::vary(doc, topic_of(doc), *o.drift, contract::SchemaSet::shipped());
  }
  return event::serialize(doc, event::Layout::compact);
}

std::string tampered(std::string body)
{
  const auto close = body.rfind('}');
  if (close == std::string::npos) {
    return body + " ";
  }
  body.insert(close, ",\"tampered\":true");
  return body;
}

} // namespace

Signer::Signer(const PrepareOptions& o)
    : m_options(&o),
      m_scheme(o.resign ? signing::make_scheme(o.wrong_secret ? with_random_secret(o.scheme) : o.scheme) : nullptr)
{
}

Signer::~Signer() = default;
Signer::Signer(Signer&&) noexcept = default;

Outgoing Signer::sign(std::string body, std::string event_id) const
{
  const PrepareOptions& o = *m_options;
  Outgoing req;
  req.body = std::move(body);
  req.event_id = std::move(event_id);
  req.url = o.url;
  if (m_scheme) {
    auto sig = m_scheme->sign({req.body, req.event_id, util::now_unix() + o.skew.count(), o.url});
    req.url = std::move(sig.url);
    req.headers = std::move(sig.headers);
  }
  for (const auto& h : o.extra_headers) {
    req.headers.add(h.name, h.value);
  }
  if (o.tamper) {
    req.body = tampered(std::move(req.body));
  }
  return req;
}

std::vector<Outgoing> prepare(const std::vector<event::SourceEvent>& events, const PrepareOptions& o)
{
  const Signer signer(o);
  const util::Instant now = util::now();
  std::vector<Outgoing> out;
  for (const auto& e : events) {
    std::string body = edited_body(e, o, now);
    const auto parsed = event::parse_envelope(body);
    if (!parsed.envelope) {
      std::vector<std::string> lines;
      for (const auto& p : parsed.problems) {
        lines.push_back(event::describe(p));
      }
      throw Error(ExitCode::bad_input, fmt::format("{} is not a valid envelope: {}", e.origin, fmt::join(lines, "; ")));
    }
    Outgoing req = signer.sign(std::move(body), parsed.envelope->event_id);
    req.topic = parsed.envelope->topic;
    if (!o.resign) {
      util::Headers original;
      for (const auto& h : e.headers) {
        // Headers of the original connection, not of the delivery.
        static constexpr std::string_view k_hop[] = {
            "Host", "Content-Length", "Connection", "Accept-Encoding", "Transfer-Encoding", "Keep-Alive"};
        if (std::none_of(std::begin(k_hop), std::end(k_hop),
                         [&](std::string_view n) { return util::iequals(n, h.name); })) {
          original.add(h.name, h.value);
        }
      }
      for (const auto& h : req.headers) {
        original.add(h.name, h.value);
      }
      req.headers = std::move(original);
    }
    for (std::size_t i = 0; i < std::max<std::size_t>(1, o.duplicate); ++i) {
      out.push_back(req);
    }
  }
  if (o.out_of_order && out.size() > 1) {
    std::mt19937_64 random{std::random_device{}()};
    const auto original = out;
    for (int tries = 0; tries < 16; ++tries) {
      std::shuffle(out.begin(), out.end(), random);
      if (!std::equal(out.begin(), out.end(), original.begin(),
                      [](const Outgoing& a, const Outgoing& b) { return a.body == b.body; })) {
        break;
      }
    }
  }
  return out;
}

} // namespace acx::deliver
