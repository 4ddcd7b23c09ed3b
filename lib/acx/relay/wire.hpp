#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acx/journal/record.hpp"
#include "acx/util/headers.hpp"
#include "acx/util/time.hpp"

namespace acx::relay {

// What the relay's stream (GET /relay, server-sent events) carries, written and read in this one place.
//
//   retry: 2000       (SSE: how long a client waits before it connects again; acx's own laptops back off by themselves)
//   event: hello      data: {"first":F,"last":L,"after":A,"keepAlive":K}   once, first: the oldest and newest sequence
//                                                   numbers the relay has, the one this stream starts after, and the
//                                                   keep-alive's period in seconds (--relay-keep-alive)
//   id: SEQ
//   event: delivery   data: {"seq":SEQ,"received":"...","eventId":"...","topic":"...","path":"...",
//                            "headers":[["Name","value"],...],"body":"<base64>"}
//   event: live       data: {"seq":S}                once, when the client has everything committed before it came (S,
//                                                   the hello's last): no delivery before it is past S
//   event: gap        data: {"after":A,"first":F,"missing":N}   deliveries after A were pruned before they were sent
//   : keep-alive      a comment, every K s of quiet
// docs/relay-protocol.md says the same for other clients.

// One accepted delivery as the relay sends it: its headers without credentials, the path without a token, the body
// byte for byte.
struct Delivery {
  std::int64_t seq = 0;
  util::Instant received;
  std::string event_id;
  std::string topic;
  std::string path;
  util::Headers headers;
  std::string body;
};

// Pruned deliveries a client asked for: those after `after`, up to (not including) `first`.
struct Gap {
  std::int64_t after = 0;
  std::int64_t first = 0;
  std::int64_t missing() const { return first - after - 1; }
};

std::string hello_event(std::int64_t first, std::int64_t last, std::int64_t after,
                        std::chrono::milliseconds keep_alive = std::chrono::seconds(15));
// A journal record as a delivery event; `path` is where deliveries arrive (the listener's --path).
std::string delivery_event(const journal::Record& record, std::string_view path);
std::string gap_event(const Gap& gap);
std::string live_event(std::int64_t seq);
std::string keep_alive();

// One event of the stream, as a client reads it: its type ("message" when none was named), id and data. An event
// larger than the reader's limit comes with its data dropped and `dropped` set to the bytes it had.
struct Event {
  std::string type = "message";
  std::string id;
  std::string data;
  std::size_t dropped = 0;
};

// Reads server-sent events from a stream that arrives in pieces (text/event-stream: lines ending in LF, CRLF or CR;
// comments and unknown fields ignored). Bounded by events, not lines: an event whose lines add up to more than
// `max_event` bytes is dropped as it arrives (its type and id kept, `dropped` said), however long its lines or however
// many, so a stream never holds more than about max_event bytes here. Linear in what it is fed.
class EventReader {
public:
  explicit EventReader(std::size_t max_event) : m_max_event(max_event) {}
  // Takes the next piece; returns the events it completes.
  std::vector<Event> feed(std::string_view piece);
  // Bytes held for the event not yet complete: never more than max_event.
  std::size_t buffered() const { return m_event_bytes + m_pending.size(); }

private:
  void line(std::string_view text, std::vector<Event>& out);
  std::size_t m_max_event;
  std::size_t m_event_bytes = 0; // the event's lines so far, as they came
  std::string m_pending;         // the line not yet ended (empty once the event is over its limit)
  std::size_t m_line_bytes = 0;  // the line not yet ended, as it came (kept or not)
  bool m_after_cr = false;       // the last piece ended in CR: an LF first in the next one belongs to it
  Event m_event;
  bool m_has_data = false;
};

// The delivery in a "delivery" event's data; nullopt with `why` when it is not one.
std::optional<Delivery> parse_delivery(std::string_view data, std::string& why);
std::optional<Gap> parse_gap(std::string_view data, std::string& why);
std::optional<std::int64_t> parse_live(std::string_view data, std::string& why);
// hello's first and last, where the stream starts and the keep-alive's period (nullopt from a relay that does not say).
struct Hello {
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::optional<std::int64_t> after;
  std::optional<std::chrono::milliseconds> keep_alive;
};
std::optional<Hello> parse_hello(std::string_view data, std::string& why);

} // namespace acx::relay
