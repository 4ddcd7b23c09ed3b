#pragma once

#include <string>
#include <vector>

#include "acx/util/headers.hpp"

namespace acx::event {

// An envelope to send or replay, and where it came from.
struct SourceEvent {
  std::string body;      // the envelope's bytes
  std::string origin;    // "fixture job_created", "events.jsonl line 3", ...
  util::Headers headers; // as originally received, when the source is an `acx events export` line
};

// Loads envelopes from each argument: a topic name (its fixture), "-" (standard input), a directory (its *.json files
// in name order), a file holding one JSON object, or a JSON-lines file (such as `acx events export` writes: then the
// "envelope" member is the event and "headers" its original headers). Throws acx::Error naming the argument.
std::vector<SourceEvent> load_sources(const std::vector<std::string>& args);

} // namespace acx::event
