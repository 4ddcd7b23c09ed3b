#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
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

// The forwarding lines a terminal gets: every attempt while a consumer works, but once it fails, its first failure and
// one line saying so, then nothing for its retries until it answers again, which is one line too ("... answers
// again after 42 s; 311 attempts failed meanwhile"). Dead letters and a stop are always shown. JSON output is not
// condensed: each attempt is a line of data. Safe from several forwarders' threads.
class ProgressLines {
public:
  ProgressLines(OutputFormat format, bool color, std::function<std::chrono::steady_clock::time_point()> now = {});
  // What to print for `p`: nothing, its line, or its line with a word about the consumer.
  std::string take(const forward::Progress& p);

private:
  struct Failing {
    std::chrono::steady_clock::time_point since;
    std::uint64_t attempts = 0;
  };
  OutputFormat m_format;
  bool m_color;
  std::function<std::chrono::steady_clock::time_point()> m_now;
  std::mutex m_mutex;
  std::map<std::string, Failing> m_failing; // by consumer
};

// A notice for stderr: "acx: <text>\n", "acx: warning: <text>\n".
std::string format_notice(const util::Notice& notice);

} // namespace acx::present
