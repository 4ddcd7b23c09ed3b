#include "acx/relay/hub.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

#include "acx/journal/follower.hpp"
#include "acx/relay/wire.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"

namespace acx::relay {

namespace {

// A client's stream takes at most this much ready text before the hub waits for it to be sent; one round gives a
// client at most this much (and one delivery more).
constexpr std::size_t k_high_water = 1u << 20;
// Records read for one client at a time, at most; and their bodies' bytes, at most (at least one record).
constexpr std::size_t k_batch = 512;
constexpr std::size_t k_batch_bytes = 1u << 20;
// What clients catching up from the file get in all, at most, so that the relay's own work (receiving, committing,
// the live streams) keeps its pace while laptops catch up: 24 MB/s is about 18,000 deliveries a second for one laptop,
// more than most links carry; bursts of 100 ms.
constexpr double k_catch_up_rate = 24e6;
constexpr double k_catch_up_burst = 2.4e6;
// ... and while deliveries arrive (the relay's own work first): about 2,000 deliveries a second in all.
constexpr double k_catch_up_rate_receiving = 3e6;
// Deliveries kept formatted (the newest ones, which every live client reads): at most so many, and so many bytes.
constexpr std::size_t k_formatted = 4096;
constexpr std::size_t k_formatted_bytes = 16u << 20;

http::Response plain(int status, std::string text)
{
  return {status, "text/plain; charset=utf-8", std::move(text) + "\n", {}};
}

// Where the client starts: Last-Event-ID (a reconnecting EventSource's), else ?after=SEQ|now, else the oldest kept.
// nullopt for a value that is neither; -1 for now.
std::optional<std::int64_t> start_after(const http::Request& request)
{
  std::string_view text;
  if (const std::string* id = request.headers.find("Last-Event-ID")) {
    text = util::trim(*id);
  } else if (const auto it = request.query.find("after"); it != request.query.end()) {
    text = it->second;
  } else {
    return 0;
  }
  if (text == "now") {
    return -1;
  }
  std::int64_t seq = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (ec != std::errc() || end != text.data() + text.size() || seq < 0) {
    return std::nullopt;
  }
  return seq;
}

} // namespace

// One client's stream. The network thread takes `ready`; the hub's thread fills it and owns the rest.
struct Hub::Client {
  std::mutex mutex;
  std::string ready;
  std::function<void()> wake;
  bool ended = false;
  std::chrono::steady_clock::time_point last_put = std::chrono::steady_clock::now();
  std::int64_t after = 0;             // -1: from the newest committed when the hub first looks
  std::optional<util::Instant> since; // instead of after: from the first delivery received then or later
  bool live = false;                  // told it has everything committed before it came
  std::int64_t live_at = 0;           // the newest committed when it came (its hello's last): live past it
  bool started = false;               // sent its hello; `cursor` is where it is
  std::int64_t cursor = 0;            // the last sequence number looked at for it
  std::size_t token = 0;              // which relay token opened it
  std::function<void()> drained;      // tells the hub that a full stream was sent on: it has room again

  // Adds text to send and wakes the stream.
  void put(std::string text, bool end = false)
  {
    std::function<void()> w;
    {
      std::lock_guard lock(mutex);
      ready += text;
      ended = ended || end;
      last_put = std::chrono::steady_clock::now();
      w = wake;
    }
    if (w) {
      w();
    }
  }
};

Hub::Hub(std::string journal_path, const journal::Writer& writer, HubOptions options)
    : m_journal_path(std::move(journal_path)), m_writer(writer), m_options(std::move(options)),
      m_subscribed(writer.on_commit([this] { nudge(); })),
      m_thread("acx-relay", [this](std::stop_token stop) { feed(stop); })
{
}

void Hub::nudge()
{
  {
    std::lock_guard lock(m_mutex);
    m_news = true;
  }
  m_cv.notify_all();
}

// Until something happens (a commit, a client, a stream with room again) or `until` passes (a keep-alive due, the
// catching-up budget refilled); never on a clock of its own.
void Hub::sleep(std::stop_token stop, std::optional<std::chrono::steady_clock::time_point> until)
{
  std::unique_lock lock(m_mutex);
  const auto news = [this] { return m_news; };
  if (until) {
    m_cv.wait_until(lock, stop, *until, news);
  } else {
    m_cv.wait(lock, stop, news);
  }
  m_news = false;
}

Hub::~Hub()
{
  stop();
}

void Hub::serve(const http::Request& request, const http::Reply& reply)
{
  if (!util::has_bearer(request.headers, m_options.tokens)) {
    http::Response r = plain(401, "unauthorized: /relay takes the relay token as \"Authorization: Bearer TOKEN\"");
    r.headers.add("WWW-Authenticate", "Bearer realm=\"acx relay\"");
    reply(std::move(r));
    return;
  }
  const auto after = start_after(request);
  const auto since_text = request.query.find("since");
  const auto since = since_text == request.query.end() ? std::nullopt : util::parse_rfc3339_utc(since_text->second);
  if (!after || (since_text != request.query.end() && !since)) {
    reply(plain(400, "bad request: after (or Last-Event-ID) is a sequence number or \"now\", since an RFC 3339 time"));
    return;
  }
  const std::size_t token = *util::bearer_of(request.headers, m_options.tokens);
  auto client = std::make_shared<Client>();
  client->token = token;
  client->drained = [this] { nudge(); };
  client->after = *after;
  client->since = since;
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      reply(plain(503, "service unavailable: shutting down"));
      return;
    }
    std::erase_if(m_clients, [](const auto& w) { return w.expired(); });
    const auto of_token =
        static_cast<std::size_t>(std::count_if(m_clients.begin(), m_clients.end(), [&](const auto& w) {
          const auto c = w.lock();
          return c && c->token == token;
        }));
    if (m_clients.size() >= m_options.max_clients || of_token >= m_options.max_streams_per_token) {
      http::Response busy =
          plain(503, of_token >= m_options.max_streams_per_token
                         ? fmt::format("service unavailable: {} of this relay token already (--relay-max-streams)",
                                       util::plural(of_token, "stream"))
                         : fmt::format("service unavailable: {} relay clients already", m_clients.size()));
      busy.headers.add("Retry-After", "5");
      reply(std::move(busy));
      return;
    }
    m_clients.push_back(client);
  }
  nudge(); // its hello, at once
  http::Response r{200, "text/event-stream", {}, {}};
  r.headers.add("Cache-Control", "no-cache");
  r.headers.add("X-Accel-Buffering", "no"); // nginx: pass each event on as it comes
  r.stream = [client](std::string& out) {
    std::function<void()> drained;
    {
      std::lock_guard lock(client->mutex);
      if (client->ended && client->ready.empty()) {
        return false;
      }
      if (client->ready.size() >= k_high_water) {
        drained = client->drained;
      }
      out.swap(client->ready);
    }
    if (drained) {
      drained();
    }
    return true; // nothing ready: the stream sleeps until put() wakes it
  };
  r.wakeable = [client](std::function<void()> wake) {
    std::lock_guard lock(client->mutex);
    client->wake = std::move(wake);
  };
  reply(std::move(r));
}

void Hub::stop()
{
  std::vector<std::shared_ptr<Client>> live;
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      return;
    }
    m_stopping = true;
    for (const auto& w : m_clients) {
      if (auto c = w.lock()) {
        live.push_back(std::move(c));
      }
    }
  }
  for (const auto& c : live) {
    c->put({}, true);
  }
  m_thread.request_stop();
  m_thread.join();
  m_subscribed.reset();
}

std::size_t Hub::clients() const
{
  std::lock_guard lock(m_mutex);
  std::size_t n = 0;
  for (const auto& w : m_clients) {
    n += w.expired() ? 0 : 1;
  }
  return n;
}

void Hub::feed(std::stop_token stop)
{
  for (;;) {
    std::vector<std::shared_ptr<Client>> live;
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) {
        return;
      }
      for (const auto& w : m_clients) {
        if (auto c = w.lock()) {
          live.push_back(std::move(c));
        }
      }
    }
    const std::int64_t committed = m_writer.committed_seq();
    // Deliveries arriving: the relay's own work first, catching up gets a trickle; otherwise it gets the full rate.
    const bool receiving = committed > m_last_committed;
    m_last_committed = committed;
    const double rate = receiving ? k_catch_up_rate_receiving : k_catch_up_rate;
    const auto now = std::chrono::steady_clock::now();
    m_budget = std::min(k_catch_up_burst, m_budget + rate * std::chrono::duration<double>(now - m_refilled).count());
    m_refilled = now;
    bool behind = false;
    for (const auto& c : live) {
      try {
        behind = fill(*c, committed) || behind;
      } catch (const std::exception&) {
        c->put({}, true); // the journal could not be read: the client reconnects and tries again
      }
    }
    // The next keep-alive due, of the clients that have had nothing for a while.
    std::optional<std::chrono::steady_clock::time_point> due;
    for (const auto& c : live) {
      std::lock_guard lock(c->mutex);
      const auto at = c->last_put + m_options.keep_alive;
      due = due ? std::min(*due, at) : at;
    }
    live.clear(); // a client whose connection ended goes with its last reference
    if (!behind) {
      sleep(stop, due);
    } else if (m_budget <= 0) { // clients catching up wait for the budget; new commits still go to the live ones
      sleep(stop, std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(static_cast<int>(-m_budget * 1000 / k_catch_up_rate) + 1));
    }
  }
}

// A delivery's event, formatted once for all the clients that read it (live ones read the same records).
const std::string& Hub::formatted(const journal::Record& r)
{
  auto it = m_formatted.find(r.seq);
  if (it == m_formatted.end()) {
    std::string text = delivery_event(r, m_options.path);
    // The oldest go before the new one goes in: it may be the oldest itself (a client far behind).
    while (!m_formatted.empty() &&
           (m_formatted.size() >= k_formatted || m_formatted_bytes + text.size() > k_formatted_bytes)) {
      m_formatted_bytes -= m_formatted.begin()->second.size();
      m_formatted.erase(m_formatted.begin());
    }
    m_formatted_bytes += text.size();
    it = m_formatted.emplace(r.seq, std::move(text)).first;
  }
  return it->second;
}

// A new client's hello, and where it starts.
std::string Hub::start(Client& c, std::int64_t committed)
{
  if (!m_reader) {
    m_reader = journal::Reader::open(m_journal_path);
  }
  c.cursor = c.after < 0 ? committed : c.after;
  if (c.since) {
    journal::Query q;
    q.since = c.since;
    q.limit = 1;
    const auto from = m_reader->read(q);
    c.cursor = from.empty() ? committed : from.front().seq - 1;
  }
  c.started = true;
  c.live_at = committed;
  return hello_event(m_reader->extent().oldest_seq, committed, c.cursor, m_options.keep_alive);
}

// Gives one client its next events, a gap it must know of, or a keep-alive when it has had nothing for a while.
// True when it is behind and has room for more now.
bool Hub::fill(Client& c, std::int64_t committed)
{
  {
    std::lock_guard lock(c.mutex);
    if (c.ended || c.ready.size() >= k_high_water) {
      return false;
    }
  }
  if (!c.started) {
    c.put(start(c, committed));
  }
  std::string out;
  // What comes next is in the writer's memory for a client near the end (most of them, most of the time); a client
  // further behind reads the file, within the catching-up budget, and never holds up the others. A live client's news
  // is never held back (a database has no memory of its commits).
  const bool file_allowed = c.live || m_budget > 0;
  // A database reads `limit` whole: as many as fit the byte budget at the largest size a delivery may have.
  const std::size_t limit =
      journal::is_database(m_journal_path) ? std::max<std::size_t>(1, k_batch_bytes / m_options.max_body) : k_batch;
  auto read = c.cursor < committed
                  ? journal::read_committed(m_writer, *m_reader, c.cursor, limit, k_batch_bytes, file_allowed)
                  : journal::Committed{};
  if (!read) {
    return true; // behind, and the round's budget for reading the file is spent
  }
  const bool from_file = read->from_file && !c.live;
  Batch batch = std::move(read->records);
  std::int64_t cursor = c.cursor;
  std::size_t taken = 0;
  if (batch.empty() && cursor + 1 < read->pruned_below) { // everything after the cursor in memory was pruned
    out += gap_event({cursor, read->pruned_below});
    cursor = read->pruned_below - 1;
  }
  for (const auto& r : batch) {
    if (out.size() >= k_high_water) {
      break; // this round's share: the rest next round, after every other client's
    }
    if (!c.live && r->seq > c.live_at) { // what follows was committed after the client came: it is live from here
      c.live = true;
      out += live_event(c.live_at);
    }
    if (r->seq > cursor + 1 && cursor > 0) {
      // A jump is a gap only where the journal says it pruned: PostgreSQL's numbers have holes (a duplicate's
      // conflicting insert takes one), which were never deliveries.
      if (const std::int64_t pruned_below = m_reader->pruned_below(); cursor + 1 < pruned_below) {
        out += gap_event({cursor, std::min(r->seq, pruned_below)});
      }
    }
    if (r->status == journal::Status::accepted) {
      out += formatted(*r);
    }
    cursor = r->seq;
    ++taken;
  }
  c.cursor = cursor;
  const bool more = taken < batch.size() || batch.size() == k_batch || cursor < committed;
  if (!c.live && cursor >= c.live_at) {
    c.live = true;
    out += live_event(c.live_at);
  }
  if (out.empty()) {
    std::lock_guard lock(c.mutex);
    if (std::chrono::steady_clock::now() - c.last_put < m_options.keep_alive) {
      return false;
    }
  }
  if (from_file) {
    m_budget -= static_cast<double>(out.size());
  }
  c.put(out.empty() ? keep_alive() : std::move(out));
  return more;
}

} // namespace acx::relay
