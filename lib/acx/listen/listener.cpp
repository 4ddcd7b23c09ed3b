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
#include "acx/util/service.hpp"

namespace acx::listen {

namespace {

// Why the listener stops; the first reason wins.
enum class Stop { none, signal, count, timeout, output_closed };

class StopFlag {
public:
  void request(Stop why)
  {
    {
      std::lock_guard lock(m_mutex);
      if (m_why == Stop::none) {
        m_why = why;
      }
    }
    m_cv.notify_all();
  }
  // Wakes wait_until without a reason to stop (there is other work for its caller).
  void poke()
  {
    {
      std::lock_guard lock(m_mutex);
      m_poked = true;
    }
    m_cv.notify_all();
  }
  // The reason to stop, or Stop::none when there is none yet at `until` (or when poked).
  Stop wait_until(std::chrono::steady_clock::time_point until)
  {
    std::unique_lock lock(m_mutex);
    m_cv.wait_until(lock, until, [this] { return m_why != Stop::none || m_poked; });
    m_poked = false;
    return m_why;
  }
  bool requested() const
  {
    std::lock_guard lock(m_mutex);
    return m_why != Stop::none;
  }

private:
  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  Stop m_why = Stop::none;
  bool m_poked = false;
};

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
  Printer(const ListenOptions& o, const std::string& journal_path, journal::Writer& writer, StopFlag& stop)
      : m_options(o), m_reader(journal::Reader::open(journal_path)), m_writer(writer), m_stop(stop),
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
      finish(Stop::output_closed);
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
      finish(Stop::output_closed);
    } else if (m_options.count > 0 && ++m_shown >= m_options.count) {
      finish(Stop::count);
    }
  }

  void finish(Stop why)
  {
    m_done = true;
    m_stop.request(why);
  }

  const ListenOptions& m_options;
  std::unique_ptr<journal::Reader> m_reader;
  journal::Writer& m_writer;
  StopFlag& m_stop;
  std::int64_t m_cursor;
  std::size_t m_shown = 0;
  bool m_done = false;
};

} // namespace

ExitCode run(const ListenOptions& o)
{
  // Signals are taken by one thread with sigwait; every thread started from here on inherits the mask.
  sigset_t signals = util::block_stop_signals();
  sigaddset(&signals, SIGHUP); // reload the profile
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string journal_path = o.journal.empty() ? journal::default_path() : o.journal;
  journal::WriterOptions writer_options;
  writer_options.durability = o.durability;
  auto writer = journal::Writer::open(journal_path, writer_options);
  Metrics metrics;
  StopFlag stop;
  Printer printer(o, journal_path, *writer, stop);

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
       [&writer](http::Request) {
         return writer->healthy() ? http::Response{200, "text/plain; charset=utf-8", "ok\n", {}}
                                  : http::Response{503, "text/plain; charset=utf-8", "journal not writable\n", {}};
       }},
      {"GET", "/metrics",
       [&metrics, &writer](http::Request) {
         return http::Response{200, "text/plain; version=0.0.4", metrics.prometheus(writer->stats()), {}};
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
  const int port = server.start();

  // From here on threads run; the guard stops and joins them on every way out, in the order that loses nothing:
  // stop accepting and finish in-flight requests, commit the last group, let the printer drain.
  std::atomic<bool> finishing{false};
  std::exception_ptr printing_failed; // rethrown below, on run()'s error path
  std::thread printing([&printer, &finishing, &printing_failed, &stop] {
    pthread_setname_np(pthread_self(), "acx-printer");
    try {
      printer.run(finishing);
    } catch (...) {
      printing_failed = std::current_exception();
      stop.request(Stop::output_closed);
    }
  });
  std::atomic<bool> reload_asked{false};
  std::thread signal_thread([&signals, &stop, &reload_asked] {
    int sig = 0;
    while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
      reload_asked = true; // taken by the main loop below
      stop.poke();
    }
    stop.request(Stop::signal);
  });
  struct Shutdown {
    std::function<void()> fn;
    ~Shutdown() { fn(); }
  } shutdown{[&] {
    stop.request(Stop::signal);
    server.stop();
    writer->close();
    finishing = true;
    printing.join();
    pthread_kill(signal_thread.native_handle(), SIGTERM); // wakes sigwait if no signal came; the mask holds it
    signal_thread.join();
  }};

  const std::string address = fmt::format("{}:{}", o.server.host, port);
  fmt::print(stderr, "acx: listening on {}://{}{} (journal {})\n", o.server.tls_cert.empty() ? "http" : "https",
             address, o.path, journal_path);
  std::fflush(stderr);
  if (!o.ready_file.empty()) {
    util::write_ready_file(o.ready_file, address);
  }

  // Wait for a reason to stop, summarising refusals held back under a flood once a second meanwhile.
  const auto deadline = o.timeout ? std::chrono::steady_clock::now() + *o.timeout
                                  : std::chrono::steady_clock::time_point::max();
  Stop why = Stop::none;
  while ((why = stop.wait_until(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)))) ==
         Stop::none) {
    if (std::chrono::steady_clock::now() >= deadline) {
      stop.request(Stop::timeout);
    }
    if (reload_asked.exchange(false) || watch.changed()) {
      reload();
    }
    refusals.flush();
  }
  shutdown.fn();
  shutdown.fn = [] {};
  refusals.flush(true);
  if (printing_failed) {
    std::rethrow_exception(printing_failed);
  }
  fmt::print(stderr, "acx: stopped ({} accepted)\n", metrics.accepted_count());

  if (why == Stop::timeout && o.count > 0) {
    throw Error(ExitCode::timeout,
                fmt::format("--timeout: {} of {} events arrived in time", metrics.accepted_count(), o.count));
  }
  return ExitCode::ok;
}

} // namespace acx::listen
