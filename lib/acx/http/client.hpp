#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "acx/util/headers.hpp"
#include "acx/util/url.hpp"

namespace acx::http {

struct ClientOptions {
  std::chrono::milliseconds timeout{10'000}; // to connect, and for each read and write
  bool verify_tls = true;
};

// What one request came to: a status and body, or (status 0) the transport error.
struct Exchange {
  int status = 0;
  util::Headers headers;
  std::string body;
  std::chrono::microseconds latency{0};
  std::string error; // set when status is 0: "connection refused", "timed out", ...
  bool permanent = false; // with error: retrying cannot mend it (a TLS certificate that is not trusted)
};

// A keep-alive HTTP(S) connection to one origin, on top of cpp-httplib. One thread at a time.
class Client {
public:
  Client(const util::Url& origin, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // POSTs `body` to `target` (path and query) with `headers` (Content-Type defaults to application/json).
  Exchange post(const std::string& target, const util::Headers& headers, const std::string& body);
  // Any method: GET, POST, PUT, DELETE (a body only where the method takes one).
  Exchange request(const std::string& method, const std::string& target, const util::Headers& headers,
                   const std::string& body = {});

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace acx::http
