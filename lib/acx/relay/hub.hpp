#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "acx/http/message.hpp"
#include "acx/http/server.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/thread.hpp"

namespace acx::relay {

struct HubOptions {
  std::vector<std::string> tokens; // the relay tokens: any one, as "Authorization: Bearer TOKEN", opens the stream
  std::string path;                // where deliveries arrive (the listener's --path), as the stream names it
  std::chrono::milliseconds keep_alive{15'000};
  std::size_t max_clients = 256;
  std::size_t max_streams_per_token = 64; // one token's streams at once: one holder cannot take every slot
  std::size_t max_body = 1u << 20;        // the relay's --max-body: the largest delivery a batch may hold
};

// The relay: serves the journal's accepted deliveries as server-sent events (GET /relay, relay/wire.hpp) after a
// sequence number, oldest first, then live as they are committed. One thread feeds every client from the journal (the
// writer's in-memory tail, else the file), a batch at a time while its client keeps up; the network threads only copy
// what is ready, and a client with nothing to send sleeps (http::Response::wakeable): no thread per client. The feeding
// thread sleeps until the journal commits, a client comes or has room again, or a keep-alive is due: no polling. Memory
// is a byte budget, whatever the deliveries' sizes: a client gets at most about 1 MiB of events a round (a batch read
// from the journal is bounded so too), and the deliveries kept formatted for all clients at most 16 MiB; so a client
// catching up on large deliveries costs every other client one such round, never a whole batch.
class Hub {
public:
  Hub(std::string journal_path, const journal::Writer& writer, HubOptions options);
  // Stops, as stop() does.
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // GET /relay: 401 without a relay token, else the stream (the route's async handler).
  void serve(const http::Request& request, const http::Reply& reply);
  // Ends every stream and the feeding thread. Idempotent.
  void stop();
  std::size_t clients() const;

private:
  struct Client;
  void feed(std::stop_token stop);
  void nudge();
  void sleep(std::stop_token stop, std::optional<std::chrono::steady_clock::time_point> until);
  using Batch = std::vector<std::shared_ptr<const journal::Record>>;
  bool fill(Client& client, std::int64_t committed);
  std::string start(Client& client, std::int64_t committed);
  const std::string& formatted(const journal::Record& record);

  const std::string m_journal_path;
  const journal::Writer& m_writer;
  const HubOptions m_options;
  mutable std::mutex m_mutex;
  std::condition_variable_any m_cv; // news for the feeding thread (m_news)
  bool m_news = false;
  std::vector<std::weak_ptr<Client>> m_clients;
  bool m_stopping = false;
  double m_budget = 0; // the feeding thread's: bytes clients catching up from the file may still get this round
  std::chrono::steady_clock::time_point m_refilled = std::chrono::steady_clock::now();
  std::int64_t m_last_committed = 0;
  std::unique_ptr<journal::Reader> m_reader;       // the feeding thread's: clients behind the writer's tail
  std::map<std::int64_t, std::string> m_formatted; // the feeding thread's
  std::size_t m_formatted_bytes = 0;               // the feeding thread's
  std::shared_ptr<void> m_subscribed;              // the writer's news
  util::Thread m_thread;                           // last: it starts once everything above is ready
};

} // namespace acx::relay
