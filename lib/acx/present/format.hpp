#pragma once

#include <string>

#include "acx/forward/consumer.hpp"
#include "acx/journal/record.hpp"
#include "acx/util/notice.hpp"

// How acx shows what its services report, in one place: records, forwarding attempts and notices, as text (with or
// without colour) or JSON lines. The library's services report to an observer; the commands render with these.
namespace acx::present {

enum class OutputFormat { pretty, json, raw };

// Formats one journaled delivery for stdout, newline included.
// pretty: "14:23:55 #12 job.milestone.current_changed  milestone Approved  job 6513270e  event 6bf46c69"
// json:   one object per line: delivery metadata, "headers" as [name, value] pairs, and "envelope" holding the
//         body's JSON as received; a refused record: its reason, detail, and the size and hash of its body
// raw:    the body bytes exactly, then a newline
std::string format_record(const journal::Record& record, OutputFormat format, bool color);

// What a delivery is about, as its pretty line says it: its gist and subject ("milestone Approved  job 6513270e",
// "job 6513270e" when nothing else stands out). `gist`: the record's own, or one derived from its body.
std::string what(const journal::Record& record, const std::string& gist);

// Formats one attempt at handing an event to a consumer, newline included.
// pretty: "         #12 -> http://localhost:3000/hooks: 500 in 3 ms: boom (retry 3 in 4.0 s)"
// json:   {"forward":"http://localhost:3000/hooks","seq":12,"eventId":...,"attempt":2,"status":500,"ms":3.1,
//          "answer":"boom","state":"retry","retryIn":4.0}
std::string format_progress(const forward::Progress& p, OutputFormat format, bool color);

// A notice for stderr: "acx: <text>\n", "acx: warning: <text>\n".
std::string format_notice(const util::Notice& notice);

} // namespace acx::present
