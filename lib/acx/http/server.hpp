#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acx/http/message.hpp"

namespace acx::http {

// Takes the request by value: handlers may move its body and headers on.
using Handler = std::function<Response(Request)>;

// A handler for one method and path. A path segment written {name} matches any one segment, whose value arrives in
// Request::params. Other methods on a routed path answer 405 with Allow; unrouted paths 404.
struct Route {
  std::string method;
  std::string path;
  Handler handler;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8787; // 0: any free port
  std::string tls_cert;
  std::string tls_key;
  std::size_t max_body = 1u << 20; // larger bodies answer 413 before they are read
  std::size_t min_threads = 16;    // workers kept ready
  std::size_t max_threads = 1024;  // a keep-alive connection holds a worker: allow many, idle ones are cheap
  std::chrono::seconds keep_alive{5};
  std::chrono::seconds read_timeout{5};
  std::function<void()> on_too_large; // called for each request refused with 413
};

// An HTTP(S) server on top of cpp-httplib, which no other module sees. Workers grow with open connections up to
// max_threads, so idle keep-alive connections and slow clients never starve new ones.
class Server {
public:
  Server(ServerOptions options, std::vector<Route> routes);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port. Throws acx::Error (network) naming the address and the reason.
  int bind();
  // Accepts and serves until stop(); in-flight requests are finished before it returns.
  void serve();
  // Stops accepting; safe from any thread.
  void stop();
  // Blocks until serve() is accepting connections; throws acx::Error (network) if that takes more than 10 s.
  void wait_until_serving();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace acx::http
