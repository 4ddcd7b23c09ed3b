#include "acx/present/format.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/contract/drift.hpp"
#include "acx/event/json_text.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::present {

namespace {

using Json = nlohmann::json;

std::string short_id(const std::string& id)
{
  return id.substr(0, 8);
}

// "job 6513270e" for the subject "job:6513270e-...".
std::string short_subject(const std::string& subject)
{
  const auto colon = subject.find(':');
  return colon == std::string::npos ? subject : subject.substr(0, colon) + " " + short_id(subject.substr(colon + 1));
}

std::string pretty(const journal::Record& r, bool color)
{
  const std::string time = util::format_rfc3339(r.received).substr(11, 8);
  const std::string& gist = r.gist; // the facts the listener derived once
  const std::string subject = short_subject(r.subject);
  const char* cyan = color ? "\x1b[36m" : "";
  const char* bold = color ? "\x1b[1m" : "";
  const char* dim = color ? "\x1b[2m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  // Everything but the colours came in a body: escaped, so that a delivery cannot drive the terminal.
  std::string line = fmt::format("{}{} #{}{} {}{}{}", dim, time, r.seq, reset, cyan, util::printable(r.topic), reset);
  if (!gist.empty()) {
    line += fmt::format("  {}{}{}", bold, util::printable(gist), reset);
  }
  if (!subject.empty()) {
    line += "  " + util::printable(subject);
  }
  if (!r.drift.empty()) {
    std::vector<std::string> what;
    for (const auto& d : contract::parse_drift(r.drift)) {
      what.push_back(fmt::format("{} {}", util::printable(d.path), contract::kind_name(d.kind)));
    }
    line += fmt::format("  {}drift: {}{}", color ? "\x1b[33m" : "", fmt::join(what, ", "), reset);
  }
  line += fmt::format("  {}event {}{}\n", dim, util::printable(short_id(r.event_id)), reset);
  return line;
}

// The body as a JSON value, verbatim but for CR and LF, which in valid JSON can only be whitespace between tokens:
// turning them into spaces keeps one object per line without re-serialising the body.
std::string one_line(const std::string& body)
{
  std::string out = body.starts_with("\xEF\xBB\xBF") ? body.substr(3) : body; // a BOM is not JSON
  for (char& c : out) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return out;
}

std::string json_line(const journal::Record& r)
{
  std::string line =
      fmt::format("{{\"seq\":{},\"received\":\"{}\",\"remote\":", r.seq, util::format_rfc3339(r.received));
  util::append_json_string(line, r.remote);
  line += fmt::format(",\"status\":\"{}\",{}\"topic\":", journal::status_name(r.status),
                      journal::reconciled(r) ? "\"reconciled\":true," : "");
  util::append_json_string(line, r.topic);
  line += ",\"eventId\":";
  util::append_json_string(line, r.event_id);
  line += ",\"subscriptionId\":";
  util::append_json_string(line, r.subscription_id);
  line += ",\"eventDateTime\":";
  util::append_json_string(line, r.event_time);
  // Written again from what it says: the journal is not trusted to hold JSON there.
  if (const std::string drift = contract::drift_text(contract::parse_drift(r.drift)); !drift.empty()) {
    line += ",\"drift\":" + drift;
  }
  line += ",\"headers\":" + (r.headers_json.empty() ? std::string("[]") : r.headers_json);
  line += ",\"envelope\":" + one_line(r.body) + "}\n";
  return line;
}

std::string refused_json(const journal::Record& r)
{
  nlohmann::ordered_json j{{"seq", r.seq},
                           {"received", util::format_rfc3339(r.received)},
                           {"remote", r.remote},
                           {"status", "refused"},
                           {"reason", r.reason},
                           {"detail", r.detail},
                           {"topic", r.topic},
                           {"eventId", r.event_id},
                           {"bodyBytes", r.body_bytes},
                           {"bodyKept", r.body.size()}, // the first bytes only
                           {"bodySha256", r.body_sha256}};
  return event::json_line(j);
}

} // namespace

std::string what(const journal::Record& r, const std::string& gist)
{
  const std::string subject = short_subject(r.subject);
  return gist.empty() || subject.empty() ? gist + subject : gist + "  " + subject;
}

std::string format_record(const journal::Record& record, OutputFormat format, bool color)
{
  switch (format) {
  case OutputFormat::pretty:
    return pretty(record, color);
  case OutputFormat::json:
    return record.status == journal::Status::refused ? refused_json(record) : json_line(record);
  case OutputFormat::raw:
    return record.body + "\n";
  }
  return "";
}

std::string format_progress(const forward::Progress& p, OutputFormat format, bool color)
{
  if (format == OutputFormat::json) {
    std::string out = "{\"forward\":";
    util::append_json_string(out, p.consumer);
    out += fmt::format(",\"seq\":{},\"eventId\":", p.seq);
    util::append_json_string(out, p.event_id);
    out += ",\"topic\":";
    util::append_json_string(out, p.topic);
    out += fmt::format(",\"attempt\":{},", p.attempt);
    if (p.via != forward::Via::nats) { // NATS has no status: the answer names the stream and the message's seq
      out += fmt::format("\"{}\":{},", p.via == forward::Via::command ? "exit" : "status", p.status);
    }
    out += fmt::format("\"ms\":{:.1f},\"answer\":", p.ms);
    util::append_json_string(out, p.answer);
    out += ",\"state\":";
    util::append_json_string(out, p.state);
    if (p.state == "retry") {
      out += fmt::format(",\"retryIn\":{:.1f}", p.retry_in);
    }
    return out + "}\n";
  }
  const bool ok = p.state == "delivered";
  const bool nats = p.via == forward::Via::nats;
  const std::string result = p.via == forward::Via::command ? fmt::format("exit {} in {:.0f} ms", p.status, p.ms)
                             : nats          ? fmt::format("{} in {:.0f} ms", ok ? "acked" : "no ack", p.ms)
                             : p.status != 0 ? fmt::format("{} in {:.0f} ms", p.status, p.ms)
                                             : std::string("no answer");
  std::string line = fmt::format("         #{} -> {}: {}", p.seq, util::printable(p.consumer), result);
  if ((!ok || nats) && !p.answer.empty()) {
    line += ": " + util::printable(p.answer);
  }
  if (p.state == "retry") {
    line += fmt::format(" (retry {} in {:.1f} s)", p.attempt + 1, p.retry_in);
  } else if (p.state == "dead") {
    line += fmt::format(" (dead: acx events retry --consumer {} --id {} queues it again)",
                        util::shell_quote(util::printable(p.consumer)), p.seq);
  } else if (p.state == "stopped") {
    line += " (410: forwarding stopped)";
  }
  if (color) {
    line = fmt::format("\033[{}m{}\033[0m", ok ? "2" : p.state == "retry" ? "33" : "31", line);
  }
  return line + "\n";
}

std::string format_notice(const util::Notice& notice)
{
  return fmt::format("acx: {}{}\n", notice.level == util::Notice::Level::warning ? "warning: " : "", notice.text);
}

ProgressLines::ProgressLines(OutputFormat format, bool color,
                             std::function<std::chrono::steady_clock::time_point()> now)
    : m_format(format), m_color(color), m_now(now ? std::move(now) : [] { return std::chrono::steady_clock::now(); })
{
}

std::string ProgressLines::take(const forward::Progress& p)
{
  const std::string line = format_progress(p, m_format, m_color);
  if (m_format == OutputFormat::json) {
    return line;
  }
  const std::string consumer = util::printable(p.consumer);
  std::lock_guard lock(m_mutex);
  const auto failing = m_failing.find(p.consumer);
  if (p.state == "retry") {
    if (failing != m_failing.end()) {
      ++failing->second.attempts;
      return {};
    }
    m_failing[p.consumer] = {m_now(), 1};
    return line +
           fmt::format("         {} fails: its retries are not shown one by one until it answers again\n", consumer);
  }
  if (failing == m_failing.end() || p.state != "delivered") {
    return line; // a dead letter or a stop: always
  }
  const auto seconds = std::chrono::duration<double>(m_now() - failing->second.since).count();
  const std::uint64_t attempts = failing->second.attempts;
  m_failing.erase(failing);
  return fmt::format("         {} answers again after {:.0f} s; {} failed meanwhile\n", consumer, seconds,
                     util::plural(attempts, "attempt")) +
         line;
}

} // namespace acx::present
