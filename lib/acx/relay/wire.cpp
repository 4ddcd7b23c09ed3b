#include "acx/relay/wire.hpp"

#include <fmt/format.h>

#include "acx/event/json_reader.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::relay {

namespace {

// The JSON object of `data`, or nullopt with `why`.
std::optional<nlohmann::json> object(std::string_view data, std::string& why)
{
  auto j = event::parse_untrusted(data);
  if (j.is_discarded() || !j.is_object()) {
    why = "not a JSON object";
    return std::nullopt;
  }
  return j;
}

std::optional<std::int64_t> seq_field(const nlohmann::json& j, const char* name, std::string& why)
{
  const auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) {
    why = fmt::format("\"{}\" is not a sequence number", name);
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

std::optional<std::string> string_field(const nlohmann::json& j, const char* name, std::string& why)
{
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    why = fmt::format("\"{}\" is not a string", name);
    return std::nullopt;
  }
  return it->get<std::string>();
}

bool read_headers(const nlohmann::json& j, util::Headers& out, std::string& why)
{
  const auto it = j.find("headers");
  if (it == j.end() || !it->is_array()) {
    why = "\"headers\" is not a list";
    return false;
  }
  for (const auto& h : *it) {
    if (!h.is_array() || h.size() != 2 || !h[0].is_string() || !h[1].is_string()) {
      why = "\"headers\" holds something other than [name, value] pairs";
      return false;
    }
    out.add(h[0].get<std::string>(), h[1].get<std::string>());
  }
  return true;
}

} // namespace

std::string hello_event(std::int64_t first, std::int64_t last, std::int64_t after, std::chrono::milliseconds keep_alive)
{
  return fmt::format("retry: 2000\nevent: hello\ndata: {{\"first\":{},\"last\":{},\"after\":{},\"keepAlive\":{}}}\n\n",
                     first, last, after, std::chrono::duration<double>(keep_alive).count());
}

std::string delivery_event(const journal::Record& record, std::string_view path)
{
  std::string out =
      fmt::format("id: {}\nevent: delivery\ndata: {{\"seq\":{},\"received\":\"{}\",\"eventId\":", record.seq,
                  record.seq, util::format_rfc3339(record.received));
  util::append_json_string(out, record.event_id);
  out += ",\"topic\":";
  util::append_json_string(out, record.topic);
  out += ",\"path\":";
  // Where it was posted; the listener's path for a record from before journals kept it.
  util::append_json_string(out, record.path.empty() ? path : std::string_view(record.path));
  out += ",\"headers\":[";
  bool first = true;
  for (const auto& h : record.headers) {
    if (util::is_credential_header(h.name) || util::is_client_address_header(h.name)) {
      continue; // the relay's clients never see what authenticated a delivery, nor who sent it through which proxy
    }
    out += first ? "[" : ",[";
    first = false;
    util::append_json_string(out, h.name);
    out += ',';
    util::append_json_string(out, h.value);
    out += ']';
  }
  out += "],\"body\":\"";
  out += util::base64_encode(util::as_bytes(record.body));
  out += "\"}\n\n";
  return out;
}

std::string gap_event(const Gap& gap)
{
  return fmt::format("event: gap\ndata: {{\"after\":{},\"first\":{},\"missing\":{}}}\n\n", gap.after, gap.first,
                     gap.missing());
}

std::string live_event(std::int64_t seq)
{
  return fmt::format("event: live\ndata: {{\"seq\":{}}}\n\n", seq);
}

std::string keep_alive()
{
  return ": keep-alive\n\n";
}

std::vector<Event> EventReader::feed(std::string_view piece)
{
  std::vector<Event> out;
  if (m_after_cr && !piece.empty() && piece.front() == '\n') {
    piece.remove_prefix(1); // the LF of a CRLF split between pieces
  }
  m_after_cr = false;
  while (!piece.empty()) {
    const std::size_t end = piece.find_first_of("\r\n");
    const std::string_view part = piece.substr(0, end);
    m_line_bytes += part.size();
    const std::size_t used = m_event_bytes + m_pending.size() + part.size();
    if (m_event.dropped == 0 && used > m_max_event) {
      // The event is too large: what it had goes (its type and id, which come first, stay), the rest is counted.
      m_event.dropped = used; // more than the limit: never 0
      m_event.data.clear();
      m_pending.clear();
    } else if (m_event.dropped > 0) {
      m_event.dropped += part.size();
    } else {
      m_pending.append(part);
    }
    if (end == std::string_view::npos) {
      break;
    }
    const bool crlf = piece[end] == '\r' && end + 1 < piece.size() && piece[end + 1] == '\n';
    m_after_cr = piece[end] == '\r' && end + 1 == piece.size();
    piece.remove_prefix(end + (crlf ? 2 : 1));
    if (m_line_bytes == 0) {
      line({}, out); // a blank line ends the event, dropped or not
    } else if (m_event.dropped == 0) {
      m_event_bytes += m_pending.size();
      line(m_pending, out);
    } // else a line of an event over the limit: counted, nothing kept
    m_pending.clear();
    m_line_bytes = 0;
  }
  return out;
}

// One line of the stream (WHATWG HTML, server-sent events: "interpreting an event stream").
void EventReader::line(std::string_view text, std::vector<Event>& out)
{
  if (text.empty()) {
    if (m_has_data || m_event.dropped > 0) {
      if (!m_event.data.empty() && m_event.data.back() == '\n') {
        m_event.data.pop_back();
      }
      out.push_back(std::move(m_event));
    }
    m_event = Event{};
    m_has_data = false;
    m_event_bytes = 0;
    return;
  }
  if (text.front() == ':') {
    return; // a comment: the relay's keep-alive
  }
  const std::size_t colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  if (field == "event") {
    m_event.type = std::string(value);
  } else if (field == "data") {
    m_event.data.append(value);
    m_event.data += '\n';
    m_has_data = true;
  } else if (field == "id" && value.find('\0') == std::string_view::npos) {
    m_event.id = std::string(value);
  }
}

std::optional<Delivery> parse_delivery(std::string_view data, std::string& why)
{
  const auto j = object(data, why);
  if (!j) {
    return std::nullopt;
  }
  Delivery d;
  const auto seq = seq_field(*j, "seq", why);
  if (!seq) {
    return std::nullopt;
  }
  std::string received, body;
  for (const auto& [name, out] : {std::pair{"received", &received},
                                  {"eventId", &d.event_id},
                                  {"topic", &d.topic},
                                  {"path", &d.path},
                                  {"body", &body}}) {
    auto value = string_field(*j, name, why);
    if (!value) {
      return std::nullopt;
    }
    *out = std::move(*value);
  }
  if (!read_headers(*j, d.headers, why)) {
    return std::nullopt;
  }
  const auto when = util::parse_rfc3339_utc(received);
  const auto decoded = util::base64_decode(body);
  if (!when || !decoded) {
    why = !when ? "\"received\" is not an RFC 3339 time" : "\"body\" is not base64";
    return std::nullopt;
  }
  d.seq = *seq;
  d.received = *when;
  d.body.assign(decoded->begin(), decoded->end());
  return d;
}

std::optional<Gap> parse_gap(std::string_view data, std::string& why)
{
  const auto j = object(data, why);
  if (!j) {
    return std::nullopt;
  }
  const auto after = seq_field(*j, "after", why);
  const auto first = seq_field(*j, "first", why);
  if (!after || !first || *first <= *after) {
    if (after && first) {
      why = "\"first\" is not after \"after\"";
    }
    return std::nullopt;
  }
  return Gap{*after, *first};
}

std::optional<std::int64_t> parse_live(std::string_view data, std::string& why)
{
  const auto j = object(data, why);
  return j ? seq_field(*j, "seq", why) : std::nullopt;
}

std::optional<Hello> parse_hello(std::string_view data, std::string& why)
{
  const auto j = object(data, why);
  if (!j) {
    return std::nullopt;
  }
  const auto first = seq_field(*j, "first", why);
  const auto last = seq_field(*j, "last", why);
  if (!first || !last) {
    return std::nullopt;
  }
  Hello hello{*first, *last, std::nullopt, std::nullopt};
  if (j->contains("after")) {
    hello.after = seq_field(*j, "after", why);
    if (!hello.after) {
      return std::nullopt;
    }
  }
  // A period a laptop can use: a positive number of seconds, at most a day; anything else is not believed.
  if (const auto k = j->find("keepAlive");
      k != j->end() && k->is_number() && k->get<double>() > 0 && k->get<double>() <= 86400) {
    hello.keep_alive = std::chrono::milliseconds(static_cast<std::int64_t>(k->get<double>() * 1000));
  }
  return hello;
}

} // namespace acx::relay
