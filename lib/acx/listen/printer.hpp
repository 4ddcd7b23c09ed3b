#pragma once

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

} // namespace acx::listen
