#pragma once

#include <vector>

#include <optional>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "acx/util/time.hpp"

namespace acx::event {

// An envelope being edited: key order and spelling are kept (nlohmann's ordered_json). Only for trusted,
// size-limited input: fixtures and files the user names.
using EditableJson = nlohmann::ordered_json;

// Parses an envelope for editing. Throws acx::Error (bad_input) naming `origin` when it is not a JSON object.
EditableJson parse_editable(std::string_view text, const std::string& origin);

// Sets the envelope member matching `key` case-insensitively (or adds it): eventId, eventDateTime, subscriptionId.
void set_member(EditableJson& envelope, std::string_view key, EditableJson value);

// Applies "PATH=VALUE": PATH is dot-separated keys from the envelope's root (e.g. event.job.milestone.name; an
// all-digit segment indexes an array); VALUE is JSON when it parses as JSON, else a string. Intermediate objects are
// created. Throws acx::Error (usage) for a malformed assignment or a path through a non-object.
void apply_assignment(EditableJson& envelope, std::string_view assignment);

// New eventId (a fresh GUID) and eventDateTime (`now`).
void freshen(EditableJson& envelope, util::Instant now);

// The event a topic's fixture becomes when sent now: a new eventId, eventDateTime `now`, `subscription` when given,
// then `assignments` (PATH=VALUE). Throws acx::Error (usage) for a topic without a fixture or a bad assignment.
struct FixtureEvent {
  std::string body; // compact
  std::string event_id;
};
FixtureEvent fixture_event(const std::string& topic, util::Instant now, const std::optional<std::string>& subscription,
                           const std::vector<std::string>& assignments);

// The envelope as text: indented as the fixtures are, or compact.
enum class Layout { indented, compact };
std::string serialize(const EditableJson& envelope, Layout layout);

} // namespace acx::event
