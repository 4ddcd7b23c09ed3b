#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "acx/journal/journal.hpp"
#include "acx/relay/admit.hpp"
#include "acx/relay/wire.hpp"
#include "acx/util/notice.hpp"
#include "acx/util/thread.hpp"
#include "acx/util/url.hpp"

namespace acx::relay {

struct PullOptions {
  util::Url upstream; // the relay (its /relay is pulled); the journal's cursor is kept under its origin
  std::string token;  // the relay token, sent as "Authorization: Bearer TOKEN"
  std::string from;   // the first pull only: "" (the oldest the relay keeps), "now", a sequence number, or a time
  bool verify_tls = true;
  std::chrono::milliseconds idle{45'000}; // nothing for this long (three keep-alives missed): connect again
  std::uint64_t seed = 0;                 // the reconnection jitter's
  Admission admission;                    // what a relayed delivery must be to be stored (the listener's bounds)
};

// Where the pull is, for /metrics and the notices.
struct PullState {
  bool connected = false;
  std::int64_t cursor = 0;                      // the relay's sequence number of the last delivery stored here
  std::int64_t relay_last = 0;                  // the newest the relay has, as far as it has said
  std::uint64_t pulled = 0;                     // deliveries stored since start
  std::map<std::string, std::uint64_t> refused; // deliveries refused since start, by reason (Refused::reason)
};

// The journal key of an upstream's cursor (WriterOptions::upstream): its origin.
std::string upstream_key(const util::Url& upstream);

// Pulls a relay's deliveries into the local journal (acx listen --upstream): each stored with the relay's sequence
// number as the upstream's cursor in the same transaction (journal::WriterOptions::upstream), so a crash or kill -9
// never loses nor doubles one; from there the printer, forwarders and inspect page take them as any other delivery.
// Connects again with backoff and jitter after any failure, from the cursor. A relay that refuses the token (401,
// 403) is a failure it does not retry: `failed` gets an acx::Error (usage).
class Puller {
public:
  Puller(PullOptions options, std::string journal_path, journal::Writer& writer, util::Notify notify,
         util::Thread::Failed failed);
  ~Puller();
  Puller(const Puller&) = delete;
  Puller& operator=(const Puller&) = delete;

  void start();
  void stop();
  PullState state() const;

private:
  void run(std::stop_token stop);
  std::string first_target();
  // One connection: its events stored until it ends; the reason it ended.
  std::string pull_once(const std::string& target, std::stop_token stop);
  void take(const Event& event, bool& caught_up);
  void greet(const Hello& hello);
  void take_delivery(const Event& event);
  void refuse(const std::string& seq, const Refused& why);
  void store(journal::Record record);
  void wait_stored();
  // What the way a stream ended says of a proxy between here and the relay, or "": a stream cut after each quiet
  // stretch shorter than the keep-alive (a read timeout), or nothing at all while the relay's newest grows (buffering).
  std::string proxy_hint(bool got_any, std::chrono::steady_clock::duration quiet, bool idle);
  // The relay's newest sequence number, asked of its /healthz?verbose beside the stream; nullopt when it will not say.
  std::optional<std::int64_t> relay_newest();

  const PullOptions m_options;
  const std::string m_key;
  const std::string m_journal_path;
  journal::Writer& m_writer;
  util::Notify m_notify;
  util::Thread::Failed m_failed;

  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  PullState m_state;
  std::size_t m_in_flight = 0; // appends not yet answered
  bool m_store_failed = false;
  std::string m_store_error;
  // The pulling thread's: the newest sequence number handed to the journal (or its position), whether the journal has
  // a position on this relay, and whether the stream must be asked for again from a new one.
  std::int64_t m_taken = 0;
  std::optional<std::int64_t> m_newest; // the relay's newest (its hello's), until its stream says it is live
  bool m_positioned = false;
  bool m_restart = false;
  std::chrono::milliseconds m_keep_alive{15'000}; // the relay's, as its hello said
  int m_quiet_cuts = 0;                           // streams in a row cut after a quiet stretch shorter than that
  std::stop_source m_stop;
  util::Thread m_thread;
};

} // namespace acx::relay
