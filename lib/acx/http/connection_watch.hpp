#pragma once

// Internal to acx/http: the server's bounds on each connection, apart from server.cpp so that they are unit-tested
// without libmicrohttpd.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "acx/util/thread.hpp"

namespace acx::http::detail {

// Counts connections per address and closes the ones that overrun their deadline. A connection is known by an
// opaque key (the server's connection pointer) and its socket: at a deadline the socket is shut down, which makes
// the server see the connection end and close it. The server calls closed() before it closes the socket, so a
// socket is never shut down after its number was given to another connection.
class ConnectionWatch {
public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::time_point k_none = Clock::time_point::max();

  // `per_address`: connections (or requests through a trusted proxy) from one address at once; 0: no limit.
  ConnectionWatch(std::size_t per_address, std::vector<std::string> trusted_proxies);
  ~ConnectionWatch();
  ConnectionWatch(const ConnectionWatch&) = delete;
  ConnectionWatch& operator=(const ConnectionWatch&) = delete;

  // Whether a connection from `address` (no port) is one of the trusted proxies.
  bool trusted(const std::string& address) const;
  // Whether another connection from `address` may open (a trusted proxy's always may; none after stop_accepting()).
  bool admit(const std::string& address) const;
  // From now on admit() refuses every connection: the server is stopping.
  void stop_accepting();
  void opened(const void* key, int fd, const std::string& address, Clock::time_point deadline);
  void closed(const void* key);
  // The connection's deadline becomes `deadline` (k_none: none), or with `sooner_only` the earlier of the two.
  void set_deadline(const void* key, Clock::time_point deadline, bool sooner_only = false);
  // Requests that came through a trusted proxy, counted against the address it named; false past the limit.
  bool begin_proxied(const std::string& client);
  void end_proxied(const std::string& client);
  // Connections closed at a deadline so far.
  std::size_t cut_off() const;

private:
  struct Watched {
    int fd = -1;
    std::string address;
    bool counted = false;
    Clock::time_point deadline = k_none;
  };
  void loop(std::stop_token stop);
  void wake_for(Clock::time_point deadline); // m_mutex held

  const std::size_t m_per_address;
  const std::vector<std::string> m_trusted;
  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  Clock::time_point m_wake_at = k_none; // when the loop wakes next: a later deadline need not wake it
  std::unordered_map<const void*, Watched> m_connections;
  std::map<std::string, std::size_t> m_per_ip;     // open connections per address
  std::map<std::string, std::size_t> m_per_client; // requests in flight per proxied client
  std::size_t m_cut_off = 0;
  std::atomic<bool> m_refusing{false};
  util::Thread m_thread;
};

// The client's address from X-Forwarded-For as a trusted proxy sent it: the rightmost entry that is not itself a
// trusted proxy (the ones to its left could have been written by the client); nullopt when there is none.
std::optional<std::string> forwarded_client(const std::string& header, const ConnectionWatch& watch);

} // namespace acx::http::detail
