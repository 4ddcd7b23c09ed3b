#pragma once

// W3C Trace Context for a journaled delivery: the trace every forward of it continues, so an app instrumented with
// OpenTelemetry sees acx's hand-over inside the trace. The sender's `traceparent` (kept in the delivery's headers)
// names the trace when it is valid; otherwise the delivery's own trace is derived from its eventId and the time it was
// received: the same for every forward and retry, on every listener and after a restart, with nothing more to store.

#include <string>

#include "acx/journal/record.hpp"

namespace acx::journal {

struct Trace {
  std::string trace_id; // 32 lower-case hex digits
  std::string flags;    // 2 hex digits: the sender's, else "01" (sampled: the app records its part)
  std::string state;    // the sender's tracestate, if any
  bool from_sender = false;
};

// The delivery's trace.
Trace trace_of(const Record& record);

// A traceparent header value for one hop of the trace: version 00, a fresh span id.
std::string traceparent(const Trace& trace);

// Whether `value` is a traceparent acx continues (version 00, ids of the right length in lower-case hex, not all
// zeros).
bool valid_traceparent(std::string_view value);

} // namespace acx::journal
