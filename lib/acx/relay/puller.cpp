#include "acx/relay/puller.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <random>

#include "acx/deliver/retry.hpp"
#include "acx/http/client.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::relay {

namespace {

// Appends not yet answered at most: the stream waits (and the relay with it) while the journal catches up.
constexpr std::size_t k_most_in_flight = 2048;
// A sequence number no journal reaches (JSON's exact integers end here): a relay that sends one is not believed.
constexpr std::int64_t k_max_seq = std::int64_t{1} << 53;

// The largest event a delivery within `limits` makes: its body in base64, its head, the envelope's own fields.
std::size_t max_event(const Admission& limits)
{
  return (limits.max_body + 2) / 3 * 4 + limits.max_head * 2 + limits.max_path * 2 + 4096;
}

// The relay's stream under the upstream URL's path: https://host/base/ -> /base/relay.
std::string relay_path(const util::Url& upstream)
{
  std::string base = upstream.target.substr(0, upstream.target.find('?'));
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base + "/relay";
}

} // namespace

std::string upstream_key(const util::Url& upstream)
{
  return upstream.origin() + relay_path(upstream);
}

Puller::Puller(PullOptions options, std::string journal_path, journal::Writer& writer, util::Notify notify,
               util::Thread::Failed failed)
    : m_options(std::move(options)), m_key(upstream_key(m_options.upstream)), m_journal_path(std::move(journal_path)),
      m_writer(writer), m_notify(std::move(notify)), m_failed(std::move(failed))
{
}

Puller::~Puller()
{
  stop();
}

void Puller::start()
{
  m_thread = util::Thread(
      "acx-upstream", [this] { run(m_stop.get_token()); }, m_failed);
}

void Puller::stop()
{
  m_stop.request_stop();
  {
    std::lock_guard lock(m_mutex);
    m_cv.notify_all();
  }
  if (m_thread.joinable()) {
    m_thread.wait();
  }
}

PullState Puller::state() const
{
  std::lock_guard lock(m_mutex);
  return m_state;
}

// Where the first connection starts: after the journal's cursor for this upstream, else where --upstream-from says.
std::string Puller::first_target()
{
  const auto cursor = journal::Reader::open(m_journal_path)->upstream_cursor(m_key);
  const std::string path = relay_path(m_options.upstream);
  if (cursor) {
    std::lock_guard lock(m_mutex);
    m_state.cursor = *cursor;
    m_positioned = true;
    return fmt::format("{}?after={}", path, *cursor);
  }
  const std::string& from = m_options.from;
  if (from.empty()) {
    return path + "?after=0";
  }
  if (from == "now" || from.find_first_not_of("0123456789") == std::string::npos) {
    return fmt::format("{}?after={}", path, from);
  }
  return fmt::format("{}?since={}", path, util::percent_encode(from));
}

void Puller::run(std::stop_token stop)
{
  std::mt19937_64 random(m_options.seed);
  deliver::RetryPolicy policy;
  policy.base = std::chrono::milliseconds(500);
  policy.ceiling = std::chrono::milliseconds(30'000);
  std::string target = first_target();
  for (int attempt = 1; !stop.stop_requested(); ++attempt) {
    const std::int64_t before = state().pulled;
    const std::string why = pull_once(target, stop);
    {
      std::lock_guard lock(m_mutex);
      m_state.connected = false;
      m_store_failed = false;
    }
    if (stop.stop_requested()) {
      return;
    }
    attempt = state().pulled > static_cast<std::uint64_t>(before) ? 1 : attempt; // it got somewhere: start over
    const auto wait = deliver::backoff(std::min(attempt, 10), policy, std::nullopt, random);
    m_notify({util::Notice::Level::warning,
              fmt::format("relay {}: {}; connecting again in {:.1f} s", util::redact_url(m_key), why,
                          std::chrono::duration<double>(wait).count())});
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, wait, [&stop] { return stop.stop_requested(); });
    target = fmt::format("{}?after={}", relay_path(m_options.upstream), m_state.cursor);
  }
}

std::string Puller::pull_once(const std::string& target, std::stop_token stop)
{
  http::ClientOptions co;
  co.verify_tls = m_options.verify_tls;
  http::Client client(m_options.upstream, co);
  const util::Headers headers{{"Authorization", "Bearer " + m_options.token}, {"Accept", "text/event-stream"}};
  EventReader reader(max_event(m_options.admission));
  bool caught_up = false;
  m_taken = state().cursor;
  m_newest.reset();
  std::string why;
  bool got_any = false;
  auto last_data = std::chrono::steady_clock::now();
  const auto each = [&](std::string_view piece) {
    got_any = true;
    last_data = std::chrono::steady_clock::now();
    try {
      for (const auto& e : reader.feed(piece)) {
        take(e, caught_up);
      }
    } catch (const Error& e) {
      why = e.what();
      return false;
    }
    if (m_restart) {
      m_restart = false;
      why = "its position changed";
      return false;
    }
    std::lock_guard lock(m_mutex);
    if (m_store_failed) {
      why = fmt::format("the journal did not store a delivery ({})", m_store_error);
      return false;
    }
    return true;
  };
  const http::Exchange ex = client.stream(target, headers, m_options.idle, each, stop);
  wait_stored(); // every append answered: the cursor is what the journal holds
  if (ex.status == 401 || ex.status == 403) {
    throw Error(ExitCode::usage, fmt::format("relay {} refused the relay token ({}): is --relay-token the one the "
                                             "relay was started with?",
                                             util::redact_url(m_key), ex.status));
  }
  if (ex.failure == http::Failure::tls_untrusted) { // retrying cannot mend it
    throw Error(ExitCode::network, fmt::format("relay {}: {}: for a relay with its own CA or a self-signed "
                                               "certificate, point SSL_CERT_FILE at that certificate",
                                               util::redact_url(m_key), ex.error));
  }
  if (!why.empty()) {
    return why;
  }
  if (ex.status != 0 && (ex.status < 200 || ex.status > 299)) {
    m_quiet_cuts = 0;
    return fmt::format("the relay answered {}: {}", ex.status, util::printable(util::excerpt(util::trim(ex.body))));
  }
  // Idle: nothing for the idle limit, in the body (a timeout) or before the answer's head (the read timing out).
  const auto quiet = std::chrono::steady_clock::now() - last_data;
  const bool idle =
      ex.failure == http::Failure::timeout || (!got_any && quiet >= m_options.idle - std::chrono::seconds(1));
  const std::string ended =
      idle ? fmt::format("nothing arrived for {:.0f} s", std::chrono::duration<double>(quiet).count())
      : ex.status != 0 && ex.failure == http::Failure::none ? "the relay ended the stream"
                                                            : ex.error;
  return ended + proxy_hint(got_any, quiet, idle);
}

std::string Puller::proxy_hint(bool got_any, std::chrono::steady_clock::duration quiet, bool idle)
{
  const auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
  if (idle && !got_any) {
    m_quiet_cuts = 0;
    const auto newest = relay_newest();
    const std::int64_t have = state().cursor;
    if (newest && *newest > have) {
      return fmt::format(" (not even the relay's greeting, while its newest delivery is #{} and this laptop has #{}): "
                         "a proxy between here and the relay is probably buffering the stream; turn buffering off "
                         "for /relay (nginx: proxy_buffering off, or let the relay's X-Accel-Buffering: no through; "
                         "Caddy: flush_interval -1)",
                         *newest, have);
    }
    return {};
  }
  // A cut that came before the next keep-alive was due: something between closes connections quiet for that long.
  const bool quiet_cut = !idle && got_any && quiet >= std::chrono::seconds(1) && quiet < m_keep_alive;
  m_quiet_cuts = quiet_cut ? m_quiet_cuts + 1 : 0;
  if (m_quiet_cuts < 2) {
    return {};
  }
  return fmt::format(" after {:.0f} s without data, before the relay's {:.0f} s keep-alive, {} times in a row: a proxy "
                     "between here and the relay probably has a read timeout shorter than the keep-alive; give it a "
                     "longer one (nginx: proxy_read_timeout) or the relay a shorter --relay-keep-alive",
                     seconds(quiet), seconds(m_keep_alive), m_quiet_cuts);
}

std::optional<std::int64_t> Puller::relay_newest()
{
  http::ClientOptions co;
  co.verify_tls = m_options.verify_tls;
  co.timeout = std::chrono::seconds(10);
  http::Client client(m_options.upstream, co);
  const std::string base = relay_path(m_options.upstream);
  const http::Exchange ex = client.request("GET", base.substr(0, base.size() - 6) + "/healthz?verbose",
                                           {{"Authorization", "Bearer " + m_options.token}}, {}, m_stop.get_token());
  const auto at = ex.status == 200 ? ex.body.find(": newest #") : std::string::npos;
  if (at == std::string::npos) {
    return std::nullopt;
  }
  return std::strtoll(ex.body.c_str() + at + 10, nullptr, 10);
}

// One event of the stream: a delivery is stored; hello, live and gap are reported.
void Puller::take(const Event& event, bool& caught_up)
{
  std::string why;
  const std::string relay = util::redact_url(m_key);
  if (event.type == "delivery") {
    take_delivery(event);
  } else if (event.type == "hello") {
    const auto hello = parse_hello(event.data, why);
    if (!hello) {
      throw Error(ExitCode::bad_input, fmt::format("the relay's hello is not one acx can read: {}", why));
    }
    greet(*hello);
  } else if (event.type == "live" && !caught_up) {
    caught_up = true;
    m_newest.reset(); // live: each delivery from here is new
    const auto live = parse_live(event.data, why);
    std::lock_guard lock(m_mutex);
    m_state.relay_last = std::max(m_state.relay_last, std::min(live.value_or(0), k_max_seq));
    const auto n = m_state.pulled + m_in_flight;
    m_notify({util::Notice::Level::info, fmt::format("relay {}: caught up ({} {} pulled since start); live from here",
                                                     relay, n, n == 1 ? "delivery" : "deliveries")});
  } else if (event.type == "gap") {
    const auto gap = parse_gap(event.data, why);
    if (gap) {
      m_notify(
          {util::Notice::Level::warning,
           fmt::format("relay {}: {} after #{} {} gone (pruned by the relay's retention before {} pulled); "
                       "going on from #{}",
                       relay, util::plural(gap->missing(), "delivery", "deliveries"), gap->after,
                       gap->missing() == 1 ? "is" : "are", gap->missing() == 1 ? "it was" : "they were", gap->first)});
    }
  }
}

// The relay's hello: where this laptop stands on it. A first pull's position (--upstream-from) is kept in the journal
// at once, so a reconnection or a restart before any delivery starts there too; a position past the relay's newest
// (a relay whose journal is new, or one that sent a number it never had) is not kept: the pull goes on from its newest.
void Puller::greet(const Hello& hello)
{
  const std::string relay = util::redact_url(m_key);
  std::int64_t cursor = state().cursor;
  std::optional<std::int64_t> keep;
  if (!m_positioned) {
    // Where the relay says this stream starts; a relay from before hello said so: what --upstream-from asked for.
    const std::string& from = m_options.from;
    auto after = hello.after;
    if (!after && (from.empty() || from == "now" || from.find_first_not_of("0123456789") == std::string::npos)) {
      after = from.empty() ? 0 : from == "now" ? hello.last : std::strtoll(from.c_str(), nullptr, 10);
    }
    keep = after ? std::optional(std::min(*after, hello.last)) : std::nullopt;
  } else if (hello.last < cursor) {
    m_notify({util::Notice::Level::warning,
              fmt::format("relay {}: its newest delivery is #{}, before this journal's position #{} on it (a relay "
                          "with a new journal?); going on after #{}",
                          relay, hello.last, cursor, hello.last)});
    keep = hello.last;
  }
  if (keep) {
    const journal::Appended kept = m_writer.set_upstream(*keep);
    if (!kept.stored) {
      throw Error(ExitCode::io, fmt::format("relay {}: cannot keep the position #{}: {}", relay, *keep, kept.error));
    }
    m_positioned = true;
    m_taken = *keep;
    std::lock_guard lock(m_mutex);
    m_state.cursor = *keep;
    if (*keep < cursor) {
      m_restart = true; // the stream was asked from the old position: ask again from the new one
    }
  }
  m_newest = hello.last; // until the stream is live, nothing past it
  m_keep_alive = hello.keep_alive.value_or(m_keep_alive);
  std::lock_guard lock(m_mutex);
  m_state.connected = true;
  m_state.relay_last = std::max(m_state.relay_last, hello.last);
  m_notify({util::Notice::Level::info,
            fmt::format("relay {}: connected at #{} (the relay is at #{})", relay, m_state.cursor, hello.last)});
}

// A delivery of the stream: checked as a direct delivery is (relay/admit.hpp) and in sequence, then stored; refused
// with a line and a count, the stream going on, when it is not one.
void Puller::take_delivery(const Event& event)
{
  std::string why;
  std::optional<Delivery> d;
  if (event.dropped > 0) {
    refuse(event.id, {"too_large", fmt::format("an event of more than {} bytes, over what --max-body {} makes",
                                               event.dropped, m_options.admission.max_body)});
    return;
  }
  if (d = parse_delivery(event.data, why); !d) {
    refuse(event.id, {"invalid", fmt::format("not a delivery acx can read: {}", why)});
    return;
  }
  const std::string seq = std::to_string(d->seq);
  if (d->seq <= m_taken || d->seq >= k_max_seq || (m_newest && d->seq > *m_newest)) {
    refuse(seq, {"sequence", d->seq <= m_taken     ? fmt::format("it repeats or steps back (after #{})", m_taken)
                             : d->seq >= k_max_seq ? std::string("no journal reaches that sequence number")
                                                   : fmt::format("a gap: it jumps past the relay's newest, #{}, before "
                                                                 "the relay said it was live",
                                                                 *m_newest)});
    return;
  }
  Admitted a = admit(std::move(*d), m_options.admission, m_options.upstream.host, util::now());
  if (!a.record) {
    refuse(seq, a.refused);
    return;
  }
  m_taken = a.record->relay_seq;
  store(std::move(*a.record));
}

void Puller::refuse(const std::string& seq, const Refused& why)
{
  {
    std::lock_guard lock(m_mutex);
    ++m_state.refused[std::string(why.reason)];
  }
  m_notify({util::Notice::Level::warning, fmt::format("relay {}: refused delivery #{}: {}", util::redact_url(m_key),
                                                      util::excerpt(seq, 24), why.detail)});
}

void Puller::store(journal::Record record)
{
  const std::int64_t seq = record.relay_seq;
  {
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_in_flight < k_most_in_flight || m_stop.stop_requested(); });
    ++m_in_flight;
    m_state.relay_last = std::max(m_state.relay_last, seq);
  }
  m_writer.append_async(std::move(record), [this, seq](journal::Appended a) {
    std::lock_guard lock(m_mutex);
    --m_in_flight;
    if (a.stored) {
      m_state.cursor = std::max(m_state.cursor, seq);
      ++m_state.pulled;
    } else if (!m_store_failed) {
      m_store_failed = true;
      m_store_error = a.error;
    }
    m_cv.notify_all();
  });
}

void Puller::wait_stored()
{
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [this] { return m_in_flight == 0; });
}

} // namespace acx::relay
