#include "acx/listen/service.hpp"

#include <fmt/format.h>
#include <mutex>
#include <sys/stat.h>
#include <tuple>

#include "acx/config/paths.hpp"
#include "acx/event/topics.hpp"
#include "acx/forward/forwarder.hpp"
#include "acx/http/runner.hpp"
#include "acx/inspect/page.hpp"
#include "acx/journal/follower.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/listen/metrics.hpp"
#include "acx/listen/outage.hpp"
#include "acx/listen/pipeline.hpp"
#include "acx/listen/printer.hpp"
#include "acx/listen/refusal_log.hpp"
#include "acx/relay/hub.hpp"
#include "acx/util/text.hpp"
#include "acx/util/thread.hpp"

namespace acx::listen {

namespace {

using Level = util::Notice::Level;

// Tells when a file was replaced or rewritten since it was last looked at (acx subscribe saves the config by
// renaming a new file over it).
class ProfileWatch {
public:
  explicit ProfileWatch(std::string path) : m_path(std::move(path)), m_seen(look()) {}
  bool changed()
  {
    if (m_path.empty()) {
      return false;
    }
    const auto now = look();
    const bool differs = now != m_seen;
    m_seen = now;
    return differs;
  }

private:
  std::tuple<ino_t, off_t, std::int64_t, long> look() const
  {
    struct stat st {};
    if (m_path.empty() || ::stat(m_path.c_str(), &st) != 0) {
      return {};
    }
    return {st.st_ino, st.st_size, static_cast<std::int64_t>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec};
  }

  std::string m_path;
  std::tuple<ino_t, off_t, std::int64_t, long> m_seen;
};

// One part of a running listener as the service drives it: started in the order of the list, stopped in the reverse;
// each says how it is (/healthz) and what it counts (/metrics). A part that needs none of these leaves it empty.
struct Part {
  // What a part says of its health: a failure (the listener cannot take deliveries: 503), a degradation (it takes
  // them, something else does not work: 200), and its details for /healthz?verbose.
  struct Health {
    std::string failing_brief, failing; // for anyone, and in detail
    std::vector<std::string> degraded;  // in detail
    std::string degraded_brief;         // for anyone: the first part's ("a consumer takes nothing")
    std::string details;
  };
  std::string name;
  std::function<void()> start, stop;
  std::function<void(Health&)> health;
  std::function<void(Registry&)> metrics;
};

// The listener's parts, built in one order (the runner first, so every thread started later inherits its signal mask)
// and stopped in the reverse: the page, the server (in-flight requests answered), the forwarders (attempts in flight
// abandoned, handed over again after the next start), the journal (its last group committed), and the printer last,
// so it shows everything committed.
class Service {
public:
  Service(const ListenOptions& o, Observer& observer)
      : m_o(o), m_observer(observer), m_runner(true), m_journal_path(config::journal_path(o.journal)),
        m_writer(journal::Writer::open(m_journal_path, writer_options(o))),
        m_refusals([&observer](const util::Notice& n) { observer.notice(n); }),
        m_outage([&observer](const util::Notice& n) { observer.notice(n); }),
        m_pipeline({signing::make_scheme(o.scheme), o.subscriptions, o.contract, o.refuse_drift}, *m_writer, m_metrics,
                   [this](const RefusedNote& note) {
                     note.reason == Refusal::unavailable ? m_outage.refused(note.detail) : m_refusals.note(note);
                   }),
        m_watch(o.watch), m_printer(o, m_journal_path, *m_writer, observer, [this](std::int64_t last) {
          for (const auto& f : m_forwarders) {
            f->try_up_to(last); // what --count counted reaches the app before the listener stops
          }
          m_runner.finish();
        })
  {
    if (!o.consumers.empty()) {
      m_outbox = journal::Outbox::open(m_journal_path);
    }
    forward::Hooks hooks{[&observer](const forward::Progress& p) { observer.forwarded(p); },
                         [&observer](const util::Notice& n) { observer.notice(n); },
                         [this](std::exception_ptr e) { failed(e); }};
    for (const auto& c : o.consumers) {
      m_forwarders.push_back(
          std::make_unique<forward::Forwarder>(c, o.forwarding, m_journal_path, *m_writer, *m_outbox, hooks));
    }
    if (o.upstream) {
      relay::PullOptions pull = *o.upstream;
      pull.admission.max_body = o.server.max_body; // a relayed delivery meets the bounds a direct one does
      pull.admission.contract = o.contract;
      m_puller = std::make_unique<relay::Puller>(
          std::move(pull), m_journal_path, *m_writer, [&observer](const util::Notice& n) { observer.notice(n); },
          [this](std::exception_ptr e) { failed(e); });
    } else if (!o.relay_tokens.empty()) {
      relay::HubOptions hub{o.relay_tokens, o.path, o.relay_keep_alive};
      hub.max_streams_per_token = o.relay_max_streams;
      hub.max_body = o.server.max_body;
      m_hub = std::make_unique<relay::Hub>(m_journal_path, *m_writer, std::move(hub));
    }
    http::ServerOptions so = o.server;
    // Deliveries and /relay are answered from the server's own threads (asynchronous routes); only /healthz and
    // /metrics, both quick, run on its workers.
    so.workers = 4;
    so.on_too_large = [this] { m_metrics.refused(Refusal::too_large); };
    m_server = std::make_unique<http::Server>(so, routes());
    if (o.inspect_port) {
      m_page = std::make_unique<inspect::Page>(
          m_journal_path, "127.0.0.1", *o.inspect_port, [this] { return health_text(true).second; }, m_writer.get());
    }
    if (o.keep.any()) {
      m_retainer = std::make_unique<Retainer>(m_journal_path, o.keep,
                                              [&observer](const util::Notice& n) { observer.notice(n); });
    }
    if (o.subscription_watch) {
      m_subscriptions = std::make_unique<SubscriptionWatch>(*o.subscription_watch,
                                                            [&observer](const util::Notice& n) { observer.notice(n); });
    }
    if (o.reconcile) {
      m_reconciler = std::make_unique<Reconciler>(*o.reconcile, *m_writer,
                                                  [&observer](const util::Notice& n) { observer.notice(n); });
    }
    if (o.canary) {
      m_canary =
          std::make_unique<Canary>(*o.canary, *m_writer, [&observer](const util::Notice& n) { observer.notice(n); });
    }
    build_parts();
  }

  ~Service() { stop(); }

  // At start: a line per consumer (what it takes), and a warning for each topic pattern that matches no known topic.
  void say_what_goes_where()
  {
    if (m_hub) {
      notice(Level::info, fmt::format("relaying accepted deliveries on GET /relay (server-sent events, for acx listen "
                                      "--upstream with a relay token; a keep-alive after {} of quiet)",
                                      util::format_duration(m_o.relay_keep_alive)));
    }
    for (const auto& pattern : m_o.topics) {
      if (auto why = event::unmatched_topic(pattern, "--topic"); !why.empty()) {
        notice(Level::warning, why);
      }
    }
    for (const auto& c : m_o.consumers) {
      const auto& jq = c.programs;
      notice(Level::info, fmt::format("forwarding to {}: {}{}{}", c.name,
                                      c.topics.empty() ? std::string("every topic")
                                                       : fmt::format("topics {}", fmt::join(c.topics, ", ")),
                                      jq.filter.empty() ? "" : ", filtered by jq",
                                      jq.transform.empty() ? "" : ", transformed by jq"));
      for (const auto& pattern : c.topics) {
        if (auto why = event::unmatched_topic(pattern, "the topics of " + c.name); !why.empty()) {
          notice(Level::warning, why);
        }
      }
    }
  }

  ExitCode run()
  {
    start();
    http::Runner::Options ro;
    ro.ready_file = m_o.ready_file;
    ro.timeout = m_o.timeout;
    ro.on_hangup = [this] { reload(); };
    ro.every_second = [this] { // and refusals held back under a flood are summarised
      if (m_watch.changed()) {
        reload();
      }
      m_refusals.flush();
      m_outage.tick(m_writer->failure());
    };
    const http::Stop why = m_runner.run(*m_server, m_o.server.host, ro, [this](int port) {
      notice(Level::info,
             fmt::format("listening on {}://{}:{}{} (journal {})", m_o.server.tls_cert.empty() ? "http" : "https",
                         m_o.server.host, port, m_o.path, journal::shown(m_journal_path)));
      say_what_goes_where();
    });
    std::uint64_t waiting = 0; // forwards not yet handed over: abandoned at once, pending in the outbox
    for (const auto& f : m_forwarders) {
      waiting += f->stats().lag;
    }
    stop();
    m_refusals.flush(true);
    if (m_failure) {
      std::rethrow_exception(m_failure);
    }
    std::string left;
    if (waiting > 0) {
      left = fmt::format("; {} not yet handed over stay{} pending, for the next start", util::plural(waiting, "event"),
                         waiting == 1 ? "s" : "");
    }
    notice(Level::info, m_puller ? fmt::format("stopped ({} accepted, {} pulled from the relay{})",
                                               m_metrics.accepted_count(), m_puller->state().pulled, left)
                                 : fmt::format("stopped ({} accepted{})", m_metrics.accepted_count(), left));
    if (why == http::Stop::timeout && m_o.count > 0) {
      throw Error(ExitCode::timeout,
                  fmt::format("--timeout: {} of {} events arrived in time", m_metrics.accepted_count(), m_o.count));
    }
    return ExitCode::ok;
  }

private:
  static journal::WriterOptions writer_options(const ListenOptions& o)
  {
    journal::WriterOptions wo;
    wo.durability = o.durability;
    if (o.upstream) {
      wo.upstream = relay::upstream_key(o.upstream->upstream);
    }
    return wo;
  }

  void notice(Level level, std::string text) { m_observer.notice({level, std::move(text)}); }

  // A thread of the listener failed: the listener stops, and run() throws what it failed with.
  void failed(std::exception_ptr e)
  {
    {
      std::lock_guard lock(m_failure_mutex);
      if (!m_failure) {
        m_failure = e;
      }
    }
    m_runner.finish();
  }

  // The parts that ask AccuLynx's API (through the functions the command gave): reconciliation, hydration's figures,
  // the canary.
  void add_api_parts()
  {
    if (m_reconciler) {
      m_parts.push_back({"reconciler", [this] { m_reconciler->start(); }, [this] { m_reconciler->stop(); },
                         [this](Part::Health& h) { m_reconciler->health(h.degraded, h.degraded_brief, h.details); },
                         [this](Registry& r) { m_reconciler->metrics(r); }});
    }
    if (const auto h = m_o.forwarding.hydrate) {
      m_parts.push_back({"hydration", {}, {}, {}, [h](Registry& r) {
                           const auto s = h->stats();
                           r.counter("acx_hydrate_fetches_total", "API requests made to hydrate events.",
                                     static_cast<double>(s.fetches));
                           r.counter("acx_hydrate_cache_hits_total", "Jobs and contacts hydrated from the cache.",
                                     static_cast<double>(s.hits));
                           r.counter("acx_hydrate_waits_total", "Fetches held back by the API budget or a 429.",
                                     static_cast<double>(s.waits));
                           r.counter("acx_hydrate_failures_total",
                                     "Events that could not be hydrated (tried again, "
                                     "or sent thin with hydrate-fallback = \"thin\").",
                                     static_cast<double>(s.failures));
                         }});
    }
    if (m_canary) {
      m_parts.push_back({"canary",
                         [this] { m_canary->start(); },
                         [this] { m_canary->stop(); },
                         {},
                         [this](Registry& r) {
                           if (const auto s = m_canary->last_seconds()) {
                             r.gauge("acx_canary_seconds",
                                     "How long the last test event took from asking to the "
                                     "journal (listen --canary).",
                                     *s);
                           }
                           r.counter("acx_canary_lost_total", "Test events that had not arrived by the next turn.",
                                     static_cast<double>(m_canary->lost()));
                         }});
    }
  }

  // The parts, in the order they start: the printer first (it shows what the journal commits, and stops last), the
  // journal, the forwarders, the retainer, the puller or the hub, the server (the runner starts it), the page.
  void build_parts()
  {
    m_parts.push_back({"printer",
                       [this] { m_printer.start([this](std::exception_ptr e) { failed(e); }); },
                       [this] { m_printer.stop(); },
                       {},
                       {}});
    m_parts.push_back({"journal",
                       {},
                       [this] { m_writer->close(); },
                       [this](Part::Health& h) { journal_health(h); },
                       [this](Registry& r) { journal_metrics(r); }});
    for (auto& f : m_forwarders) {
      m_parts.push_back({"forwarder " + f->consumer().label, [&f] { f->start(); }, [&f] { f->stop(); },
                         [this, &f](Part::Health& h) { consumer_health(*f, h); },
                         [&f](Registry& r) { consumer_metrics(f->consumer().label, f->stats(), r); }});
    }
    if (m_retainer) {
      m_parts.push_back({"retainer", [this] { m_retainer->start(); }, [this] { m_retainer->stop(); }, {}, {}});
    }
    if (m_subscriptions) {
      m_parts.push_back({"subscription watch", [this] { m_subscriptions->start(); },
                         [this] { m_subscriptions->stop(); }, [this](Part::Health& h) { watch_health(h); },
                         [this](Registry& r) {
                           r.gauge("acx_subscriptions_not_enabled",
                                   "The profile's subscriptions AccuLynx last said are disabled or missing.",
                                   static_cast<double>(m_subscriptions->not_enabled().size()));
                         }});
    }
    add_api_parts();
    if (m_puller) {
      m_parts.push_back({"puller",
                         [this] { m_puller->start(); },
                         [this] { m_puller->stop(); },
                         {},
                         [this](Registry& r) { puller_metrics(r); }});
    }
    if (m_hub) {
      m_parts.push_back({"relay",
                         {},
                         [this] { m_hub->stop(); },
                         {},
                         [this](Registry& r) {
                           r.gauge("acx_relay_clients", "Streams open on GET /relay.",
                                   static_cast<double>(m_hub->clients()));
                         }});
    }
    m_parts.push_back({"server", {}, [this] { m_server->stop(); }, {}, {}}); // the runner starts it
    if (m_page) {
      m_parts.push_back({"page", [this] { start_page(); }, [this] { m_page->stop(); }, {}, {}});
    }
  }

  void start()
  {
    for (auto& part : m_parts) {
      if (part.start) {
        part.start();
      }
    }
  }

  void start_page()
  {
    const int port = m_page->start();
    // Where the page is, never its token: a terminal's scrollback and CI logs keep what is printed.
    const std::string link = inspect::write_page_link(port, m_page->url(port));
    notice(Level::info, fmt::format("inspect the deliveries at http://127.0.0.1:{}/ (open file://{} in a browser: "
                                    "that file carries the access token)",
                                    port, link));
  }

  // In the reverse order of the start. Idempotent; the runner has stopped the server already when run() returns.
  void stop()
  {
    if (m_stopped) {
      return;
    }
    m_stopped = true;
    for (auto part = m_parts.rbegin(); part != m_parts.rend(); ++part) {
      if (part->stop) {
        part->stop();
      }
    }
  }

  // A profile read again: the next deliveries are checked against it; a profile that cannot be read changes nothing.
  void reload()
  {
    if (!m_o.reload) {
      return;
    }
    try {
      auto [scheme, subscriptions, programs] = m_o.reload();
      const std::size_t n = subscriptions.size();
      m_pipeline.admit({signing::make_scheme(scheme), std::move(subscriptions), m_o.contract, m_o.refuse_drift});
      for (const auto& f : m_forwarders) {
        if (const auto it = programs.find(f->consumer().name); it != programs.end()) {
          f->set_programs(it->second);
        }
      }
      notice(Level::info, fmt::format("profile reloaded: {} subscription{}", n, n == 1 ? "" : "s"));
    } catch (const std::exception& e) {
      notice(Level::info, fmt::format("profile not reloaded, the previous one stays: {}", e.what()));
    }
  }

  void journal_health(Part::Health& h) const
  {
    if (const auto failure = m_writer->failure()) {
      h.failing_brief = "the journal cannot store deliveries";
      h.failing = "journal not writable: " + failure.what;
    }
    // The journal and its newest delivery (what a laptop compares with what it pulled).
    h.details += fmt::format("journal {} ({}): newest #{}\n", journal::shown(m_journal_path), m_writer->engine(),
                             m_writer->committed_seq());
  }

  void journal_metrics(Registry& r) const
  {
    m_metrics.write(r, m_writer->stats());
    r.gauge("acx_journal_writable",
            "1 while the journal commits, 0 after a commit failed (a full disk, a read-only file system) until one "
            "succeeds.",
            m_writer->failure() ? 0 : 1);
    const auto fault = m_writer->failure().fault;
    for (const auto f : {journal::Fault::unreachable, journal::Fault::full, journal::Fault::read_only,
                         journal::Fault::conflict, journal::Fault::corrupt, journal::Fault::other}) {
      r.gauge("acx_journal_fault",
              "1 for why the last commit failed (unreachable, full, read_only, ...), until one "
              "succeeds.",
              fault == f ? 1 : 0, {{"fault", std::string(journal::fault_name(f))}});
    }
    r.gauge("acx_journal_text_indexed_seq", "The newest delivery searchable through the text index.",
            static_cast<double>(m_writer->text_indexed()));
  }

  // A subscription AccuLynx says is disabled or missing: nothing comes, however well the listener works. Degraded, or
  // (--strict-health) failing.
  void watch_health(Part::Health& h) const
  {
    for (const auto& [id, status] : m_subscriptions->not_enabled()) {
      const std::string line = fmt::format("subscription {} is {}", id, status);
      if (m_subscriptions->strict() && h.failing.empty()) {
        h.failing_brief = "a subscription is not enabled";
        h.failing = line;
      }
      h.degraded.push_back(line);
      if (h.degraded_brief.empty()) {
        h.degraded_brief = "a subscription is not enabled";
      }
    }
  }

  // A consumer that stopped or stalls makes the listener degraded (still 200); on a shared database, its waiting
  // events (by whichever listener holds its lease).
  void consumer_health(const forward::Forwarder& f, Part::Health& h) const
  {
    const auto s = f.stats();
    if (s.stopped || s.stalled || s.circuit != "closed") {
      h.degraded.push_back(fmt::format("{} {}", f.consumer().label,
                                       s.stopped               ? "stopped (410)"
                                       : s.circuit != "closed" ? fmt::format("circuit {}", s.circuit)
                                                               : std::string("takes nothing")));
      if (h.degraded_brief.empty()) {
        h.degraded_brief =
            s.circuit != "closed" && !s.stopped ? "a consumer's circuit is open" : "a consumer takes nothing";
      }
    }
    if (!journal::is_database(m_journal_path)) {
      return;
    }
    std::string waiting = "?";
    try {
      waiting = std::to_string(m_outbox->waiting(f.consumer().name));
    } catch (const std::exception&) {
      // The database is away: the journal's failure says so.
    }
    h.details += fmt::format("consumer {}: {} waiting, {}\n", util::printable(f.consumer().label), waiting,
                             s.standby ? "another listener hands them over" : "this listener hands them over");
  }

  void puller_metrics(Registry& r) const
  {
    const relay::PullState s = m_puller->state();
    r.gauge("acx_upstream_connected", "1 while the relay's stream is open.", s.connected ? 1 : 0);
    r.gauge("acx_upstream_lag_events", "The relay's newest sequence number less the last one stored here.",
            static_cast<double>(std::max<std::int64_t>(0, s.relay_last - s.cursor)));
    r.counter("acx_upstream_pulled_total", "Deliveries pulled from the relay and stored.",
              static_cast<double>(s.pulled));
    for (const auto reason : relay::refusal_reasons()) { // every reason, 0 until one is refused
      const auto it = s.refused.find(std::string(reason));
      r.counter("acx_upstream_refused_total", "Relayed deliveries refused, by reason.",
                static_cast<double>(it == s.refused.end() ? 0 : it->second), {{"reason", std::string(reason)}});
    }
  }

  // The health as a status and its text, from every part: ok, or not and why in general terms, or (verbose) with
  // the details.
  std::pair<int, std::string> health_text(bool verbose) const
  {
    Part::Health h;
    for (const auto& part : m_parts) {
      if (part.health) {
        part.health(h);
      }
      if (!h.failing.empty()) {
        return {503, verbose ? "not ok: " + h.failing + "\n" : "not ok: " + h.failing_brief + "\n"};
      }
    }
    std::string text;
    for (const auto& line : h.degraded) {
      text += "degraded: " + line + "\n";
    }
    if (!verbose && !text.empty()) {
      text = "degraded: " + h.degraded_brief + "\n";
    }
    return {200, (text.empty() ? "ok\n" : text) + (verbose ? h.details : std::string())};
  }

  // /healthz, for whoever reaches the webhook port (a load balancer): the details only on /healthz?verbose with a
  // relay token (and on the inspect page's /health).
  http::Response health(const http::Request& request) const
  {
    const bool asked = request.query.contains("verbose");
    if (asked && (m_o.relay_tokens.empty() || !util::has_bearer(request.headers, m_o.relay_tokens))) {
      return {401,
              "text/plain; charset=utf-8",
              "unauthorized: /healthz?verbose takes a relay token as \"Authorization: Bearer TOKEN\"\n",
              {}};
    }
    auto [status, text] = health_text(asked);
    return {status, "text/plain; charset=utf-8", std::move(text), {}};
  }

  std::vector<http::Route> routes()
  {
    auto deliver = [this](http::Request r, http::Reply reply) { m_pipeline.handle(std::move(r), reply); };
    std::vector<http::Route> out{
        {"POST", m_o.path, {}, deliver},
        {"GET", "/healthz", [this](http::Request r) { return health(r); }},
        {"GET", "/metrics",
         [this](http::Request) {
           Registry registry;
           for (const auto& part : m_parts) {
             if (part.metrics) {
               part.metrics(registry);
             }
           }
           return http::Response{200, "text/plain; version=0.0.4", registry.text(), {}};
         }},
    };
    if (m_o.token_in_path) {
      out.push_back({"POST", m_o.path + "/{token}", {}, deliver});
    }
    if (m_hub) {
      out.push_back({"GET", "/relay", {}, [this](http::Request r, http::Reply reply) { m_hub->serve(r, reply); }});
    }
    return out;
  }

  const ListenOptions& m_o;
  Observer& m_observer;
  http::Runner m_runner;
  std::string m_journal_path;
  std::unique_ptr<journal::Writer> m_writer;
  Metrics m_metrics;
  RefusalLog m_refusals;
  Outage m_outage;
  Pipeline m_pipeline;
  ProfileWatch m_watch;
  Printer m_printer;
  std::unique_ptr<journal::Outbox> m_outbox;
  std::vector<std::unique_ptr<forward::Forwarder>> m_forwarders;
  std::unique_ptr<http::Server> m_server;
  std::unique_ptr<inspect::Page> m_page;
  std::unique_ptr<relay::Hub> m_hub;
  std::unique_ptr<relay::Puller> m_puller;
  std::unique_ptr<Retainer> m_retainer;
  std::unique_ptr<SubscriptionWatch> m_subscriptions; // --watch-subscription
  std::unique_ptr<Reconciler> m_reconciler;           // --reconcile-every
  std::unique_ptr<Canary> m_canary;                   // --canary
  std::vector<Part> m_parts;
  std::mutex m_failure_mutex;
  std::exception_ptr m_failure;
  bool m_stopped = false;
};

} // namespace

ExitCode run(const ListenOptions& options, Observer& observer)
{
  Service service(options, observer);
  return service.run();
}

} // namespace acx::listen
