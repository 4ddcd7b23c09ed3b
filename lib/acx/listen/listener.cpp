#include "acx/listen/listener.hpp"

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <functional>
#include <mutex>
#include <pthread.h>
#include <sys/stat.h>
#include <thread>
#include <tuple>

#include "acx/journal/journal.hpp"
#include "acx/listen/metrics.hpp"
#include "acx/listen/pipeline.hpp"
#include "acx/listen/refusal_log.hpp"
#include "acx/forward/forwarder.hpp"
#include "acx/http/runner.hpp"
#include "acx/inspect/inspector.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/util/text.hpp"

namespace acx::listen {

namespace {

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

// Reads accepted events from the journal in order, from the commit point at start, and prints them.
class Printer {
public:
  Printer(const ListenOptions& o, const std::string& journal_path, journal::Writer& writer, http::Runner& runner)
      : m_options(o), m_reader(journal::Reader::open(journal_path)), m_writer(writer), m_runner(runner),
        m_cursor(writer.committed_seq())
  {
  }

  // Runs until `finishing` is set and everything committed has been printed.
  void run(const std::atomic<bool>& finishing)
  {
    for (;;) {
      const bool last_round = finishing.load();
      m_writer.wait_beyond(m_cursor, std::chrono::milliseconds(100));
      while (print_batch()) {
      }
      if (last_round || m_done) {
        return;
      }
    }
  }

private:
  // Prints the next batch; false when there was nothing new. Recent commits come from the writer's memory; a
  // printer that fell behind reads the journal file.
  bool print_batch()
  {
    constexpr std::size_t k_batch = 512;
    std::size_t n = 0;
    if (auto recent = m_writer.recent_after(m_cursor, k_batch)) {
      for (const auto& r : *recent) {
        print(*r);
      }
      n = recent->size();
    } else {
      journal::Query q;
      q.after_seq = m_cursor;
      q.limit = k_batch;
      q.decode_headers = false;
      const auto records = m_reader->read(q);
      for (const auto& r : records) {
        print(r);
      }
      n = records.size();
    }
    if (n > 0 && std::fflush(stdout) != 0) {
      finish();
    }
    return n > 0;
  }

  void print(const journal::Record& r)
  {
    m_cursor = r.seq;
    if (m_done || r.status != journal::Status::accepted) {
      return;
    }
    if (!m_options.topics.empty() && !m_options.topics.contains(r.topic)) {
      return;
    }
    const std::string line = format_record(r, m_options.format, m_options.color);
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) {
      finish();
    } else if (m_options.count > 0 && ++m_shown >= m_options.count) {
      finish();
    }
  }

  // Enough printed (--count), or stdout is gone: the listener stops.
  void finish()
  {
    m_done = true;
    m_runner.finish();
  }

  const ListenOptions& m_options;
  std::unique_ptr<journal::Reader> m_reader;
  journal::Writer& m_writer;
  http::Runner& m_runner;
  std::int64_t m_cursor;
  std::size_t m_shown = 0;
  bool m_done = false;
};

} // namespace

// Per consumer: delivered, retried, dead, lag and the oldest pending event's age, in Prometheus' text format.
std::string consumer_metrics(const std::vector<std::pair<std::string, forward::Stats>>& consumers)
{
  if (consumers.empty()) {
    return {};
  }
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const auto& [consumer, s] : consumers) {
      std::string label;
      util::append_json_string(label, consumer); // a quoted, escaped label value
      out += fmt::format("{}{{consumer={}}} {}\n", name, label, value(s));
    }
  };
  family("acx_forward_delivered_total", "counter", "Events a consumer took.", [](const auto& s) { return s.delivered; });
  family("acx_forward_retried_total", "counter", "Attempts that will be tried again.", [](const auto& s) { return s.retried; });
  family("acx_forward_dead_total", "counter", "Events given up on.", [](const auto& s) { return s.dead; });
  family("acx_forward_lag_events", "gauge", "Events read from the journal and not yet handed over.",
         [](const auto& s) { return s.lag; });
  family("acx_forward_oldest_pending_seconds", "gauge", "Age of the oldest event waiting for a consumer.",
         [](const auto& s) { return s.oldest_pending_seconds; });
  family("acx_forward_stopped", "gauge", "1 when a consumer answered 410 and forwarding to it stopped.",
         [](const auto& s) { return s.stopped ? 1 : 0; });
  return out;
}

ExitCode run(const ListenOptions& o)
{
  http::Runner runner(true); // first: every thread started below inherits its signal mask; SIGHUP reloads

  const std::string journal_path = o.journal.empty() ? journal::default_path() : o.journal;
  journal::WriterOptions writer_options;
  writer_options.durability = o.durability;
  auto writer = journal::Writer::open(journal_path, writer_options);
  Metrics metrics;
  Printer printer(o, journal_path, *writer, runner);

  // Each consumer reads the journal from its own watermark in the journal's outbox; its results join the output.
  std::unique_ptr<journal::Outbox> outbox;
  std::vector<std::unique_ptr<forward::Forwarder>> forwarders;
  if (!o.consumers.empty()) {
    outbox = journal::Outbox::open(journal_path);
  }
  auto forwarded = [&o](const forward::Progress& p) {
    const std::string line = format_progress(p, o.format == OutputFormat::raw ? OutputFormat::pretty : o.format, o.color);
    // Raw output is bodies byte for byte: forwarding results go to stderr there.
    std::FILE* to = o.format == OutputFormat::raw ? stderr : stdout;
    std::fwrite(line.data(), 1, line.size(), to);
    std::fflush(to);
  };
  for (const auto& c : o.consumers) {
    forwarders.push_back(
        std::make_unique<forward::Forwarder>(c, o.forwarding, journal_path, *writer, *outbox, forwarded));
  }
  auto consumers_state = [&forwarders] {
    std::vector<std::pair<std::string, forward::Stats>> out;
    for (const auto& f : forwarders) {
      out.emplace_back(f->consumer().name, f->stats());
    }
    return out;
  };

  RefusalLog refusals(stderr);
  Pipeline pipeline({signing::make_scheme(o.scheme), o.subscriptions}, *writer, metrics,
                    [&refusals](const RefusedNote& note) { refusals.note(note); });
  // A profile read again: the next deliveries are checked against it; a profile that cannot be read changes nothing.
  ProfileWatch watch(o.watch);
  auto reload = [&] {
    if (!o.reload) {
      return;
    }
    try {
      auto [scheme, subscriptions] = o.reload();
      const std::size_t n = subscriptions.size();
      pipeline.admit({signing::make_scheme(scheme), std::move(subscriptions)});
      fmt::print(stderr, "acx: profile reloaded: {} subscription{}\n", n, n == 1 ? "" : "s");
    } catch (const std::exception& e) {
      fmt::print(stderr, "acx: profile not reloaded, the previous one stays: {}\n", e.what());
    }
    std::fflush(stderr);
  };
  std::vector<http::Route> routes{
      {"POST", o.path, {}, [&pipeline](http::Request r, http::Reply reply) { pipeline.handle(std::move(r), reply); }},
      {"GET", "/healthz",
       [&writer, &consumers_state](http::Request) {
         if (!writer->healthy()) {
           return http::Response{503, "text/plain; charset=utf-8", "journal not writable\n", {}};
         }
         // Receiving works; a consumer that stopped or stalls makes it degraded, still 200.
         std::string degraded;
         for (const auto& [name, s] : consumers_state()) {
           if (s.stopped || s.stalled) {
             degraded += fmt::format("degraded: {} {}\n", name, s.stopped ? "stopped (410)" : "takes nothing");
           }
         }
         return http::Response{200, "text/plain; charset=utf-8", degraded.empty() ? "ok\n" : degraded, {}};
       }},
      {"GET", "/metrics",
       [&metrics, &writer, &consumers_state](http::Request) {
         return http::Response{200, "text/plain; version=0.0.4",
                               metrics.prometheus(writer->stats()) + consumer_metrics(consumers_state()), {}};
       }},
  };
  if (o.token_in_path) {
    routes.push_back(
        {"POST", o.path + "/{token}", {}, [&pipeline](http::Request r, http::Reply reply) {
           pipeline.handle(std::move(r), reply);
         }});
  }
  http::ServerOptions server_options = o.server;
  server_options.on_too_large = [&metrics] { metrics.refused(Refusal::too_large); };
  http::Server server(server_options, std::move(routes));

  // The printer runs beside the server; the guard stops both on every way out, in the order that loses nothing:
  // stop accepting and finish in-flight requests (the runner), commit the last group, let the printer drain.
  std::atomic<bool> finishing{false};
  std::exception_ptr printing_failed; // rethrown below, on run()'s error path
  std::thread printing([&printer, &finishing, &printing_failed, &runner] {
    pthread_setname_np(pthread_self(), "acx-printer");
    try {
      printer.run(finishing);
    } catch (...) {
      printing_failed = std::current_exception();
      runner.finish();
    }
  });
  struct Shutdown {
    std::function<void()> fn;
    ~Shutdown() { fn(); }
  } shutdown{[&] {
    server.stop();
    for (auto& f : forwarders) {
      f->stop(); // attempts in flight finish and are marked; the rest wait in the journal for the next start
    }
    writer->close();
    finishing = true;
    printing.join();
  }};

  for (auto& f : forwarders) {
    f->start();
  }
  // The page: its own server on loopback, so a tunnel to the webhook port never exposes it.
  std::unique_ptr<inspect::Inspector> inspector;
  std::unique_ptr<http::Server> page;
  if (o.inspect_port) {
    const std::string token = inspect::new_token();
    inspector = std::make_unique<inspect::Inspector>(journal_path, inspect::Guard(token, "127.0.0.1"));
    http::ServerOptions po;
    po.host = "127.0.0.1";
    po.port = *o.inspect_port;
    po.workers = 16;
    page = std::make_unique<http::Server>(po, inspector->routes());
    const int port = page->start();
    // Where the page is, never its token: a terminal's scrollback and CI logs keep what is printed.
    const std::string link = inspect::write_page_link(port, inspect::page_url("127.0.0.1", port, token));
    fmt::print(stderr, "acx: inspect the deliveries at http://127.0.0.1:{}/ (open file://{} in a browser: that file "
                       "carries the access token)\n",
               port, link);
  }
  struct StopPage {
    std::unique_ptr<inspect::Inspector>& inspector;
    std::unique_ptr<http::Server>& page;
    ~StopPage()
    {
      if (page) {
        inspector->stop();
        page->stop();
      }
    }
  } stop_page{inspector, page};
  http::Runner::Options ro;
  ro.ready_file = o.ready_file;
  ro.timeout = o.timeout;
  ro.on_hangup = reload;
  ro.every_second = [&] { // and refusals held back under a flood are summarised
    if (watch.changed()) {
      reload();
    }
    refusals.flush();
  };
  const http::Stop why = runner.run(server, o.server.host, ro, [&](int port) {
    fmt::print(stderr, "acx: listening on {}://{}:{}{} (journal {})\n", o.server.tls_cert.empty() ? "http" : "https",
               o.server.host, port, o.path, journal_path);
    std::fflush(stderr);
  });
  shutdown.fn();
  shutdown.fn = [] {};
  refusals.flush(true);
  if (printing_failed) {
    std::rethrow_exception(printing_failed);
  }
  fmt::print(stderr, "acx: stopped ({} accepted)\n", metrics.accepted_count());

  if (why == http::Stop::timeout && o.count > 0) {
    throw Error(ExitCode::timeout,
                fmt::format("--timeout: {} of {} events arrived in time", metrics.accepted_count(), o.count));
  }
  return ExitCode::ok;
}

} // namespace acx::listen
