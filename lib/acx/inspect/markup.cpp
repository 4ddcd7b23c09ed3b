#include "acx/inspect/markup.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "acx/contract/drift.hpp"
#include "acx/deliver/delivery.hpp"
#include "acx/deliver/prepare.hpp"
#include "acx/event/envelope.hpp"
#include "acx/event/gist.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/event/json_text.hpp"
#include "acx/http/client.hpp"
#include "acx/inspect/har.hpp"
#include "acx/inspect/json_diff.hpp"
#include "acx/inspect/live.hpp"
#include "acx/inspect/view.hpp"
#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/present/format.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/embedded.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/service.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::inspect {

using http::Response;
using journal::Record;
using journal::Status;

// Text made safe inside HTML, attributes included; untrusted bytes first made printable.
std::string esc(std::string_view s)
{
  return util::escape_markup(util::printable(s));
}

// The same for bodies shown whole: newlines kept.
std::string esc_block(std::string_view s)
{
  std::string out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto nl = s.find('\n', start);
    out += esc(s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) {
      break;
    }
    out += '\n';
    start = nl + 1;
  }
  return out;
}

Response html(std::string body, int status)
{
  Response r{status, "text/html; charset=utf-8", std::move(body), {}};
  r.headers.add("Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "frame-ancestors 'none'; form-action 'self'");
  r.headers.add("X-Content-Type-Options", "nosniff");
  r.headers.add("Referrer-Policy", "same-origin");
  r.headers.add("Cache-Control", "no-store");
  return r;
}

std::string layout(const std::string& title, const std::string& main)
{
  return fmt::format(R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{} · acx inspect</title><link rel="stylesheet" href="/static/style.css"><script src="/static/app.js" defer></script>
</head><body><header><a href="/" class="brand">acx inspect</a></header><main>
{}
</main></body></html>
)",
                     esc(title), main);
}

std::string id_of(const Record& r)
{
  return fmt::format("{}{}", r.status == Status::refused ? 'r' : 'a', r.seq);
}

// How a page names a delivery: "#3", as the terminal does, or "r5" for a refusal (not in the journal's sequence).
std::string label_of(const Record& r)
{
  return fmt::format("{}{}", r.status == Status::refused ? 'r' : '#', r.seq);
}

// The gist the listener stored with a delivery; a refused record has none stored (nothing vouched for its body):
// derived from the body when it parses.
std::string gist_of(const Record& r)
{
  if (r.status != Status::refused) {
    return r.gist;
  }
  const auto parsed = event::parse_envelope(r.body);
  return parsed.envelope ? event::gist(parsed.envelope->event) : std::string();
}

// The verdict in words; a duplicate names its original when `original` is known.
std::string verdict_of(const Record& r, std::int64_t original)
{
  switch (r.status) {
  case Status::accepted:
    return journal::reconciled(r) ? "accepted (reconciled: rebuilt from the API)" : "accepted";
  case Status::duplicate:
    return original > 0 ? fmt::format("duplicate of #{}", original) : "duplicate";
  case Status::refused:
    return "refused: " + r.reason;
  }
  return "";
}

// Where an event stands with each consumer that tried it: its last answer ("app: 503, waiting to retry"), from the
// attempts in the order they were made.
std::string forward_state(const std::vector<journal::HandOver>& attempts)
{
  std::vector<std::pair<std::string, const journal::HandOver*>> last; // by consumer, in first-attempt order
  for (const auto& h : attempts) {
    auto it = std::find_if(last.begin(), last.end(), [&](const auto& l) { return l.first == h.consumer; });
    if (it == last.end()) {
      last.emplace_back(h.consumer, &h);
    } else {
      it->second = &h;
    }
  }
  std::vector<std::string> parts;
  for (const auto& [consumer, h] : last) {
    const std::string answer = h->status == 0 ? "no answer" : std::to_string(h->status);
    const char* state =
        h->state == journal::Handed::pending ? "waiting to retry" : journal::handed_name(h->state).data();
    parts.push_back(fmt::format("{}: {}, {}", consumer, answer, state));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

std::string row(const Record& r, std::int64_t original, const std::string& forwarded)
{
  const std::string id = id_of(r);
  // A mark on a delivery that differed from its topic's schema, its paths in the title.
  std::string drift;
  if (const auto d = contract::parse_drift(r.drift); !d.empty()) {
    std::vector<std::string> what;
    for (const auto& one : d) {
      what.push_back(contract::describe(one));
    }
    drift = fmt::format(" <span class=\"drift\" title=\"{}\">drift {}</span>",
                        esc(fmt::format("{}", fmt::join(what, "; "))), d.size());
  }
  return fmt::format(
      "<tr id=\"{0}\" class=\"{1}\"><td class=\"pick\"><input type=\"radio\" name=\"a\" value=\"{0}\" "
      "aria-label=\"diff from\"><input type=\"radio\" name=\"b\" value=\"{0}\" aria-label=\"diff to\"></td>"
      "<td class=\"time\">{2}</td><td><a href=\"/d/{0}\">{3}</a></td><td>{4}</td><td>{5}</td>"
      "<td class=\"verdict\">{6}</td><td class=\"forwarded\">{8}</td><td class=\"mono\">{7}</td></tr>\n",
      id, r.status == Status::refused ? "refused" : journal::status_name(r.status),
      esc(util::format_rfc3339(r.received).substr(0, 23)), label_of(r), esc(r.topic), esc(present::what(r, gist_of(r))),
      esc(verdict_of(r, original)) + drift, esc(r.subscription_id.substr(0, 8)), esc(forwarded));
}

const char* k_reason_status(const std::string& reason)
{
  if (reason == "too_large") {
    return "413";
  }
  if (reason == "content_type") {
    return "415";
  }
  if (reason == "subscription") {
    return "403";
  }
  if (reason == "invalid") {
    return "400";
  }
  return "401";
}

} // namespace acx::inspect
