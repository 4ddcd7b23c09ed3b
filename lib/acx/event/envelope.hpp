#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acx/event/problem.hpp"
#include "acx/util/time.hpp"

namespace acx::event {

// One AccuLynx delivery, as parsed from its body. The raw body stays with the caller, byte for byte; this is what
// was read from it.
struct Envelope {
  std::string topic;
  std::string event_time_text; // as sent, e.g. "2026-05-26T14:23:55.4999782Z"
  util::Instant event_time;
  std::string event_id;
  std::string subscription_id;
  nlohmann::json event; // the "event" object
};

// The result of parsing: the envelope when there is no error, and every problem found (warnings included).
struct ParsedEnvelope {
  std::optional<Envelope> envelope;
  std::vector<Problem> problems;
  // With an envelope: the rest of the body as parsed, its event moved out into Envelope::event (the member `event_key`
  // left null), for code that needs the whole body (acx listen's contract check: whole_body()).
  nlohmann::json rest;
  std::string event_key;
};

// Parses and validates a delivery body. Keys match case-insensitively and AccuLynx's historical spellings are
// accepted (topicName/TopicName/Type/topicNamee, event/Event). Reports every problem at once; an unknown topic is a
// warning. Never throws for bad input.
ParsedEnvelope parse_envelope(std::string_view body);

// Calls `use` with the whole body of a parsed envelope (the event put back into it for the call), and returns what it
// returns. The envelope must be there.
template <class Use> auto whole_body(ParsedEnvelope& parsed, Use&& use)
{
  nlohmann::json& slot = parsed.rest[parsed.event_key];
  slot = std::move(parsed.envelope->event);
  struct Restore {
    nlohmann::json& slot;
    nlohmann::json& event;
    ~Restore() { event = std::move(slot); }
  } restore{slot, parsed.envelope->event};
  return use(static_cast<const nlohmann::json&>(parsed.rest));
}

// True for 8-4-4-4-12 hexadecimal GUIDs (either case).
bool is_guid(std::string_view s);

// The key names each envelope field is read from, preferred first, for code that edits envelopes.
const std::vector<std::string_view>& topic_keys();

} // namespace acx::event
