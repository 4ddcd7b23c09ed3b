#pragma once

#include "acx/forward/consumer.hpp"

#include <string>

#include "acx/journal/record.hpp"

namespace acx::listen {

enum class OutputFormat { pretty, json, raw };

// Formats one journaled delivery for stdout, newline included.
// pretty: "14:23:55 #12 job.milestone.current_changed  milestone Approved  job 6513270e  event 6bf46c69"
// json:   one object per line: delivery metadata, "headers" as [name, value] pairs, and "envelope" holding the
//         body's JSON as received
// raw:    the body bytes exactly, then a newline
std::string format_record(const journal::Record& record, OutputFormat format, bool color);

// Formats one attempt at handing an event to a consumer, newline included.
// pretty: "         #12 -> http://localhost:3000/hooks: 500 in 3 ms: boom (retry 3 in 4.0 s)"
// json:   {"forward":"http://localhost:3000/hooks","seq":12,"eventId":...,"attempt":2,"status":500,"ms":3.1,
//          "answer":"boom","state":"retry","retryIn":4.0}
std::string format_progress(const forward::Progress& p, OutputFormat format, bool color);

} // namespace acx::listen
