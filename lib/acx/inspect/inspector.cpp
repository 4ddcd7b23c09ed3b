#include "acx/inspect/inspector.hpp"

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
#include "acx/inspect/markup.hpp"
#include "acx/inspect/view.hpp"
#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/trace.hpp"
#include "acx/present/format.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/embedded.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/service.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::inspect {

std::span<const EmbeddedFile> embedded_assets();

namespace {

using http::Request;
using http::Response;
using journal::Record;
using journal::Status;

constexpr std::size_t k_page = 50;

} // namespace

struct Inspector::Impl {
  JournalView view;
  Guard guard;
  LiveRows live_rows{std::chrono::milliseconds(200), std::chrono::seconds(15), 256};
  std::shared_ptr<void> news; // the writer's, when there is one

  Inspector::Health health;

  Impl(std::string p, Guard g, Inspector::Health h) : view(std::move(p)), guard(std::move(g)), health(std::move(h)) {}

  // The listener's health in detail, behind the page's guard.
  Response health_page(const Request&)
  {
    if (!health) {
      return {404, "text/plain; charset=utf-8", "not found: acx inspect has no listener to tell the health of\n", {}};
    }
    return {200, "text/plain; charset=utf-8", health(), {}};
  }

  // ---- pages ----

  Response list(const Request& req)
  {
    const Filters f = Filters::of(req);
    const auto before_it = req.query.find("before");
    const Cursor before = before_it == req.query.end() ? Cursor{} : Cursor::parse(before_it->second);
    const auto records = view.page(f, before, k_page);
    const Cursor now = before_it == req.query.end() ? view.head() : Cursor{};
    std::string rows;
    Cursor oldest = before;
    const auto outbox = open_outbox();
    for (const auto& r : records) {
      const bool tried = outbox && r.status == Status::accepted;
      rows += row(r, view.original_of(r), tried ? forward_state(outbox->attempts(r.seq)) : std::string());
      (r.status == Status::refused ? oldest.r : oldest.a) = r.seq;
    }
    // A table that ran out keeps looking below its last row; one that was never shown stays where it was.
    std::string more;
    if (records.size() == k_page) {
      more = fmt::format("<p class=\"more\"><a href=\"/?{}{}before={}\">older deliveries</a></p>", f.query(),
                         f.query().empty() ? "" : "&", oldest.str());
    }
    auto option = [](const std::string& value, const std::string& current, const char* label) {
      return fmt::format("<option value=\"{}\"{}>{}</option>", value, value == current ? " selected" : "", label);
    };
    const std::string filters = fmt::format(
        R"(<form class="filters" method="get" action="/">
<label>topic <input name="topic" value="{}" placeholder="job_created"></label>
<label>verdict <select name="verdict">{}{}{}{}{}</select></label>
<label>subscription <input name="subscription" value="{}"></label>
<label>text <input name="q" value="{}" placeholder="in the body or ids"></label>
<label>since <input name="since" value="{}" placeholder="2h or 2026-11-29T00:00:00Z"></label>
<label>until <input name="until" value="{}"></label>
<button>filter</button> <a href="/">clear</a>
<span class="exports"><a href="/export.ndjson?{}">NDJSON</a> <a href="/export.har?{}">HAR</a></span>
</form>)",
        esc(f.topic), option("", f.verdict, "any"), option("accepted", f.verdict, "accepted"),
        option("duplicate", f.verdict, "duplicate"), option("refused", f.verdict, "refused"),
        option("drift", f.verdict, "with drift"), esc(f.subscription), esc(f.text), esc(f.since), esc(f.until),
        esc(f.query()), esc(f.query()));
    std::string circuits;
    if (outbox) {
      for (const auto& c : outbox->consumers()) {
        if (!c.circuit_open_since.empty()) {
          circuits += fmt::format("<p class=\"circuit\">{}: circuit open since {}: its events wait, one attempt per "
                                  "cool-down</p>\n",
                                  esc(c.name), esc(c.circuit_open_since));
        }
      }
    }
    const std::string main = fmt::format(
        R"({}{}
<form method="get" action="/diff" class="list">
<table><thead><tr><th title="pick two to diff">diff</th><th>received (UTC)</th><th>seq</th><th>topic</th><th>what</th><th>verdict</th><th title="each consumer's last answer">forwarded</th><th>subscription</th></tr></thead>
<tbody id="rows" data-live="{}" data-filters="{}">
{}</tbody></table>
<p><button>diff the two picked</button></p>
</form>
{}{})",
        circuits, filters, before_it == req.query.end() ? esc(now.str()) : "", esc(f.query()), rows, more,
        records.empty() ? "<p class=\"empty\">No deliveries here yet.</p>" : "");
    return html(layout("deliveries", main));
  }

  // The delivery again, as shell text: every piece that came from the journal is one quoted word.
  static std::string curl_of(const Record& r)
  {
    const std::string* type = r.headers.find("Content-Type");
    return fmt::format("printf '%s' {} | curl -sS -H {} --data-binary @- \"$URL\"", util::shell_quote(r.body),
                       util::shell_quote("Content-Type: " + (type ? *type : std::string("application/json"))));
  }

  static std::string send_of(const Record& r)
  {
    return fmt::format("printf '%s' {} | acx send - --keep-ids --to \"$URL\" --secret \"$SECRET\"",
                       util::shell_quote(r.body));
  }

  Response detail(const Request& req)
  {
    const auto r = view.find(req.params[0]);
    if (!r) {
      return html(layout("not found", fmt::format("<p>{}.</p>", esc(view.not_found(req.params[0])))), 404);
    }
    std::string main = fmt::format("<h1>{} <span class=\"topic\">{}</span></h1>\n<dl class=\"facts\">",
                                   (r->status == Status::refused ? "refused " : "") + label_of(*r), esc(r->topic));
    auto fact = [&](const char* k, const std::string& v) { main += fmt::format("<dt>{}</dt><dd>{}</dd>", k, v); };
    fact("received", esc(util::format_rfc3339(r->received)) + " from " + esc(r->remote));
    fact("verdict", esc(verdict_of(*r)));
    if (r->status != Status::refused) {
      const auto trace = journal::trace_of(*r);
      fact("trace", "<span class=\"mono\">" + esc(trace.trace_id) + "</span>" +
                        (trace.from_sender ? " (the sender's)" : " (forwards carry it in traceparent)"));
    }
    if (const auto drift = contract::parse_drift(r->drift); !drift.empty()) {
      std::string items;
      for (const auto& d : drift) {
        items += "<li class=\"mono\">" + esc(contract::describe(d)) + "</li>";
      }
      fact("drift", "<ul class=\"drift\">" + items + "</ul>");
    }
    if (r->status == Status::refused) {
      fact("why", "<span class=\"diagnosis\">" + esc(r->detail) + "</span>");
      if (r->body_bytes > r->body.size()) {
        fact("body kept",
             fmt::format("the first {} of {} bytes (SHA-256 {})", r->body.size(), r->body_bytes, esc(r->body_sha256)));
      }
    }
    if (r->status == Status::duplicate) {
      const std::int64_t original = view.original_of(*r);
      fact("original", original > 0 ? fmt::format("<a href=\"/d/a{0}\">#{0}</a>", original) : "not found");
    }
    fact("eventId", "<span class=\"mono\">" + esc(r->event_id) + "</span>");
    fact("subscriptionId", "<span class=\"mono\">" + esc(r->subscription_id) + "</span>");
    fact("eventDateTime", esc(r->event_time));
    main += "</dl>\n";
    const auto parsed = event::parse_envelope(r->body);
    if (!parsed.problems.empty()) {
      main += "<h2>envelope</h2><ul class=\"problems\">";
      for (const auto& p : parsed.problems) {
        main += fmt::format("<li class=\"{}\"><span class=\"mono\">{}</span> {}</li>",
                            p.level == event::Problem::Level::error ? "error" : "warning", esc(p.path), esc(p.message));
      }
      main += "</ul>\n";
    }
    main += "<h2>headers</h2><table class=\"headers\">";
    for (const auto& h : r->headers) {
      main += fmt::format("<tr><th>{}</th><td class=\"mono\">{}</td></tr>", esc(h.name), esc(h.value));
    }
    main += "</table>\n";
    const auto pretty = event::pretty_json(r->body);
    main +=
        fmt::format("<h2>body <small>{} bytes as received</small></h2><pre class=\"body raw\" id=\"raw\">{}</pre>\n",
                    r->body.size(), esc_block(r->body));
    if (pretty) {
      main += fmt::format("<h2>body, pretty</h2><pre class=\"body\" id=\"pretty\">{}</pre>\n", esc_block(*pretty));
    }
    if (r->status != Status::refused) {
      main += fmt::format("<h2>again</h2><p>as curl</p><pre class=\"copy\">{}</pre><p>as acx send (keeping its ids)</p>"
                          "<pre class=\"copy\">{}</pre>\n",
                          esc_block(curl_of(*r)), esc_block(send_of(*r)));
      main += forwards(*r);
      main += fmt::format(
          R"(<h2>replay</h2>
<form method="post" action="/replay" class="replay">
<input type="hidden" name="token" value="{}"><input type="hidden" name="id" value="{}">
<label>to <input name="url" type="url" required placeholder="http://127.0.0.1:3000/webhooks"></label>
<label>scheme <select name="scheme"><option>token</option><option>standard</option><option>hmac</option><option>github</option><option>shopify</option><option>none</option></select></label>
<label>secret <input name="secret" type="password" autocomplete="off"></label>
<label class="wide">body (edit it, and it is signed again) <textarea name="body" rows="12">{}</textarea></label>
<button>replay</button>
</form>)",
          esc(guard.token()), esc(id_of(*r)), esc_block(r->body));
    }
    return html(layout(label_of(*r) + " " + r->topic, main));
  }

  // The journal's outbox, for the forwarding columns and buttons; nullptr when it cannot be opened (a journal an older
  // acx wrote, read-only): the pages go without them.
  std::unique_ptr<journal::Outbox> open_outbox() const
  {
    try {
      return journal::Outbox::open(view.path());
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  // The attempts at handing the event over, and for each consumer it is waiting with or dead for, a button that makes
  // it due now (as acx events retry does).
  std::string forwards(const Record& r)
  {
    const auto outbox = open_outbox();
    const auto attempts = outbox ? outbox->attempts(r.seq) : std::vector<journal::HandOver>{};
    if (attempts.empty()) {
      return {};
    }
    std::string out = "<h2>handed over</h2><table class=\"forwards\"><tr><th>at</th><th>consumer</th><th>attempt</th>"
                      "<th>status</th><th>ms</th><th>answer</th><th>state</th></tr>";
    std::map<std::string, journal::Handed> last;
    for (const auto& h : attempts) {
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td><td>{}</td><td>{}</td></tr>",
                         esc(util::format_rfc3339(h.at)), esc(h.consumer), h.attempt,
                         h.status != 0 ? std::to_string(h.status) : std::string(), h.ms, esc(h.answer), // 0: none
                         journal::handed_name(h.state));
      last[h.consumer] = h.state;
    }
    out += "</table>\n";
    for (const auto& [consumer, state] : last) {
      if (state == journal::Handed::pending || state == journal::Handed::dead) {
        out += fmt::format(
            R"(<form method="post" action="/retry" class="retry"><input type="hidden" name="token" value="{}"><input type="hidden" name="id" value="{}"><input type="hidden" name="consumer" value="{}"><button>retry now for {}</button></form>
)",
            esc(guard.token()), esc(id_of(r)), esc(consumer), esc(consumer));
      }
    }
    return out;
  }

  // POST /retry: the event is due again for the consumer now (acx events retry --consumer C --id ID).
  Response retry(const Request& req)
  {
    const auto fields = form_fields(req.body);
    const auto field = [&](const char* k) {
      const auto it = fields.find(k);
      return it == fields.end() ? std::string() : it->second;
    };
    const auto r = view.find(field("id"));
    const auto outbox = open_outbox();
    const std::string consumer = field("consumer");
    if (!r || r->status != Status::accepted || !outbox || !outbox->consumer(consumer)) {
      return html(layout("retry", "<p>No such accepted delivery, or no such consumer.</p>"), 404);
    }
    outbox->requeue(consumer, r->seq, true);
    return html(layout("retry", fmt::format("<h1>retry of <a href=\"/d/{0}\">{1}</a> for {2}</h1><p>Due now: a running "
                                            "acx listen tries it within a second.</p>",
                                            esc(id_of(*r)), esc(label_of(*r)), esc(consumer))));
  }

  Response diff_page(const Request& req)
  {
    const auto a_it = req.query.find("a");
    const auto b_it = req.query.find("b");
    const auto a = a_it == req.query.end() ? std::nullopt : view.find(a_it->second);
    const auto b = b_it == req.query.end() ? std::nullopt : view.find(b_it->second);
    if (!a || !b) {
      return html(layout("diff", "<p>Pick two deliveries in the list (the two radio columns), then diff.</p>"), 400);
    }
    auto headers_of = [](const Record& r) {
      std::map<std::string, std::string> m;
      for (const auto& h : r.headers) {
        m["header " + util::to_lower(h.name)] = h.value;
      }
      return m;
    };
    auto table = [](const std::vector<DiffRow>& rows) {
      if (rows.empty()) {
        return std::string("<p>the same</p>");
      }
      std::string out = "<table class=\"diff\"><tr><th>path</th><th>a</th><th>b</th></tr>";
      for (const auto& r : rows) {
        const char* kind = r.kind == DiffRow::Kind::changed ? "changed"
                           : r.kind == DiffRow::Kind::added ? "added"
                                                            : "removed";
        out += fmt::format(
            "<tr class=\"{}\"><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
            kind, esc(r.path), esc(r.a), esc(r.b));
      }
      return out + "</table>";
    };
    const std::string main = fmt::format(
        "<h1>diff <a href=\"/d/{0}\">{1}</a> &rarr; <a href=\"/d/{2}\">{3}</a></h1><h2>body</h2>{4}<h2>headers</h2>{5}",
        esc(id_of(*a)), esc(label_of(*a)), esc(id_of(*b)), esc(label_of(*b)),
        table(diff(flatten_json(a->body), flatten_json(b->body))), table(diff(headers_of(*a), headers_of(*b))));
    return html(layout("diff", main));
  }

  Response replay(const Request& req)
  {
    const auto fields = form_fields(req.body);
    auto field = [&](const char* k) {
      const auto it = fields.find(k);
      return it == fields.end() ? std::string() : it->second;
    };
    const auto r = view.find(field("id"));
    if (!r || r->status == Status::refused) {
      return html(layout("replay", "<p>No such accepted delivery.</p>"), 404);
    }
    std::string why;
    const auto url = util::parse_url(field("url"), &why);
    if (!url) {
      return html(layout("replay", "<p>Not a URL: " + esc(why) + "</p>"), 400);
    }
    const std::string body = field("body").empty() ? r->body : field("body");
    deliver::PrepareOptions o;
    o.url = field("url");
    const auto kind = field("scheme").empty() ? signing::Kind::token : signing::parse_kind(field("scheme"));
    if (!kind) {
      return html(layout("replay", "<p>Unknown scheme: " + esc(field("scheme")) + "</p>"), 400);
    }
    o.scheme.kind = *kind;
    if (!field("secret").empty()) {
      o.scheme.secrets.emplace_back(field("secret"));
    } else {
      o.scheme.kind = signing::Kind::none; // no secret given: sent unsigned
    }
    o.fresh = false; // the same event again: its ids kept, signed now (as acx replay does)
    std::string outcome;
    int status = 200;
    try {
      const auto requests = deliver::prepare({{body, "the page", r->headers}}, o);
      const auto signed_url = util::parse_url(requests.front().url); // the token scheme adds it here
      http::Client client(*signed_url, {});
      deliver::RetryPolicy policy;
      policy.retries = 0;
      const auto report = deliver::deliver(client, signed_url->target, requests.front(), policy);
      const auto& e = report.attempts.back().exchange;
      outcome =
          e.status == 0
              ? fmt::format("<p class=\"bad\">no answer: {}</p>", esc(e.error))
              : fmt::format("<p class=\"{}\">answered <strong>{}</strong> in {:.1f} ms</p><pre class=\"body\">{}</pre>",
                            e.status < 300 ? "good" : "bad", e.status, static_cast<double>(e.latency.count()) / 1000.0,
                            esc_block(std::string_view(e.body).substr(0, 4096)));
    } catch (const std::exception& e) {
      outcome = fmt::format("<p class=\"bad\">{}</p>", esc(e.what()));
      status = 400;
    }
    return html(
        layout("replay", fmt::format("<h1>replay of <a href=\"/d/{0}\">{1}</a> to {2}</h1><div id=\"answer\">{3}</div>",
                                     esc(id_of(*r)), esc(label_of(*r)), esc(util::redact_url(field("url"))), outcome)),
        status);
  }

  // Server-sent events: rows newer than the cursor (the query's, or Last-Event-ID on a reconnect). The answer ends
  // once it has something, or after 15 s; the browser reconnects with the last id (retry: 250 ms). A request waiting
  // for news holds no thread: LiveRows looks for news for all of them.
  void live(Request req, http::Reply reply)
  {
    std::string from;
    if (const std::string* last = req.headers.find("Last-Event-ID")) {
      from = *last;
    } else if (const auto it = req.query.find("after"); it != req.query.end()) {
      from = it->second;
    }
    auto state = std::make_shared<std::pair<Filters, Cursor>>(Filters::of(req),
                                                              from.empty() ? view.head() : Cursor::parse(from));
    auto poll = [this, state]() -> std::optional<std::string> {
      auto& [f, cursor] = *state;
      const auto records = view.newer(f, cursor);
      if (records.empty()) {
        return std::nullopt;
      }
      std::string body = "retry: 250\n\n";
      for (const auto& r : records) {
        auto& seen = r.status == Status::refused ? cursor.r : cursor.a;
        seen = std::max(seen, r.seq);
        std::string line = row(r, view.original_of(r));
        line.erase(std::remove(line.begin(), line.end(), '\n'), line.end());
        body += fmt::format("id: {}\nevent: row\ndata: {}\n\n", cursor.str(), line);
      }
      return body;
    };
    live_rows.wait(req, std::move(poll), "retry: 250\n\n", std::move(reply));
  }

  // A download made while it is sent: a page of records at a time, so memory stays flat and the first byte comes at
  // once, however large the journal. `write` appends one record; head and tail frame the whole.
  Response download(const Request& req, std::string type, std::string name, std::string head, std::string tail,
                    std::function<void(std::string&, const Record&)> write)
  {
    struct State {
      Filters f;
      JournalView::Walk walk;
      std::string head, tail;
      bool started = false;
    };
    auto st = std::make_shared<State>(State{Filters::of(req), {}, std::move(head), std::move(tail), false});
    Response res{200, std::move(type), {}};
    res.stream = [this, st, write = std::move(write)](std::string& out) {
      if (!st->started) {
        st->started = true;
        out += st->head;
      }
      for (const auto& r : view.next(st->f, st->walk, 200)) {
        write(out, r);
      }
      if (st->walk.done) {
        out += st->tail;
        return false;
      }
      return true;
    };
    res.headers.add("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
    res.headers.add("Cache-Control", "no-store");
    return res;
  }

  Response export_ndjson(const Request& req)
  {
    return download(req, "application/x-ndjson", "acx-deliveries.ndjson", "", "",
                    [](std::string& out, const Record& r) {
                      if (r.status != Status::refused) {
                        out += present::format_record(r, present::OutputFormat::json, false);
                      }
                    });
  }

  Response export_har(const Request& req)
  {
    const std::string head =
        fmt::format("{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"acx\",\"version\":\"{}\"}},\"entries\":[",
                    ACX_VERSION);
    auto first = std::make_shared<bool>(true);
    return download(req, "application/json", "acx-deliveries.har", head, "]}}",
                    [this, first](std::string& out, const Record& r) {
                      if (!*first) {
                        out += ',';
                      }
                      *first = false;
                      const int status = r.status == Status::refused ? std::stoi(k_reason_status(r.reason)) : 200;
                      out += event::json_text(har_entry(r, status, fmt::format("{} {}", id_of(r), verdict_of(r))));
                    });
  }

  Response asset(const Request& req)
  {
    for (const auto& f : embedded_assets()) {
      if (f.name == req.params[0]) {
        Response r{200,
                   f.name.ends_with(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
                   std::string(f.content),
                   {}};
        r.headers.add("Cache-Control", "no-cache");
        return r;
      }
    }
    return {404, "text/plain", "not found\n", {}};
  }
};

Inspector::Inspector(std::string journal_path, Guard guard, Health health, const journal::Writer* writer)
    : m_impl(std::make_unique<Impl>(std::move(journal_path), std::move(guard), std::move(health)))
{
  if (writer) {
    m_impl->news = writer->on_commit([impl = m_impl.get()] { impl->live_rows.nudge(); });
    m_impl->live_rows.nudge(); // from now on the commits say when to look
  }
}

Inspector::~Inspector() = default;

void Inspector::stop()
{
  m_impl->news.reset();
  m_impl->live_rows.stop();
}

std::vector<http::Route> Inspector::routes()
{
  Impl& m = *m_impl;
  // Every page behind the guard; errors reading the journal become a page that says so. A token in a page's URL
  // becomes a cookie, and the page is asked for again without it.
  auto guarded = [&m](Response (Impl::*page)(const Request&), bool changes = false) {
    return [&m, page, changes](Request r) -> Response {
      if (auto refusal = m.guard.check(r, changes)) {
        return *refusal;
      }
      if (auto away = m.guard.strip_token(r)) {
        return *away;
      }
      try {
        return (m.*page)(r);
      } catch (const std::exception& e) {
        return html(layout("error", "<p class=\"bad\">" + esc(e.what()) + "</p>"), 500);
      }
    };
  };
  auto live = [&m](Request r, http::Reply reply) {
    if (auto refusal = m.guard.check(r, false)) {
      reply(std::move(*refusal));
    } else {
      m.live(std::move(r), std::move(reply));
    }
  };
  return {
      {"GET", "/", guarded(&Impl::list)},
      {"GET", "/d/{id}", guarded(&Impl::detail)},
      {"GET", "/diff", guarded(&Impl::diff_page)},
      {"POST", "/replay", guarded(&Impl::replay, true)},
      {"POST", "/retry", guarded(&Impl::retry, true)},
      {"GET", "/live", {}, live},
      {"GET", "/export.ndjson", guarded(&Impl::export_ndjson)},
      {"GET", "/health", guarded(&Impl::health_page)},
      {"GET", "/export.har", guarded(&Impl::export_har)},
      {"GET", "/static/{file}", guarded(&Impl::asset)},
  };
}

} // namespace acx::inspect
