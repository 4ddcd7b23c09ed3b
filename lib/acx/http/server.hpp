#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acx/http/message.hpp"
#include "acx/util/build.hpp"

namespace acx::http {

// Takes the request by value: handlers may move its body and headers on. Runs on a worker thread: it may block.
using Handler = std::function<Response(Request)>;
// Sends the answer to one request; call it exactly once, from any thread.
using Reply = std::function<void(Response)>;
// A handler that answers when it is ready: runs on a network thread, so it must not block; calls reply (now or later,
// from any thread) with the answer.
using AsyncHandler = std::function<void(Request, Reply)>;

// A handler for one method and path. A path segment written {name} matches any one segment, whose value arrives in
// Request::params. Other methods on a routed path answer 405 with Allow; unrouted paths 404.
struct Route {
  std::string method;
  std::string path;
  Handler handler{};    // this,
  AsyncHandler async{}; // or this
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8787; // 0: any free port
  std::string tls_cert;
  std::string tls_key;
  std::size_t max_body = 1u << 20;           // larger bodies answer 413, whether declared or chunked
  std::size_t workers = 64;                  // threads running handlers; a handler may wait for the journal's fsync
  std::size_t max_queued = 4096;             // complete requests waiting for a worker; past that: 503, Retry-After
  std::size_t max_connections = 8192;        // open connections in all; past that new ones are closed at once
  std::size_t max_connections_per_ip = 1024; // open connections (or, through a trusted proxy, requests) from one
                                             // address; 0: no limit
  std::chrono::seconds idle_timeout{10};     // a connection that sends nothing for this long is closed
  // A request head must be complete this long after the connection opened (on a kept-alive connection: after
  // idle_timeout + header_timeout of the previous answer, and within header_timeout of its request line), and its
  // body this long after the head; otherwise the connection is closed, however steadily the bytes drip in.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  // Addresses of reverse proxies or tunnels whose X-Forwarded-For is believed: a request through one is counted
  // against, and recorded as coming from, the address the proxy says it came from.
  std::vector<std::string> trusted_proxies;
  std::function<void()> on_too_large; // called for each request refused with 413
};

// An HTTP(S) server on libmicrohttpd, which no other module sees. A few network threads (epoll) read requests and
// write answers for every connection, so slow and idle clients cost memory, never a thread; complete requests go to
// a pool of workers that run the handlers. Bodies are never decompressed (Content-Encoding answers 415); requests
// whose framing is ambiguous (Content-Length with Transfer-Encoding, conflicting lengths) answer 400 and close.
class Server {
public:
  Server(ServerOptions options, std::vector<Route> routes);
  // Stops, as stop() does.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket and starts answering on the server's own threads; returns the port. Throws
  // acx::Error naming the address and the reason (network), or the certificate (bad_input).
  int start();
  // Stops accepting, answers the requests already read (new ones on open connections get 503), then closes every
  // connection. Safe to call more than once; not from a handler.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The libmicrohttpd acx was built with and the one it runs with.
util::Library server_library();

} // namespace acx::http
