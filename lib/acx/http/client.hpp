#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "acx/util/build.hpp"
#include "acx/util/headers.hpp"
#include "acx/util/url.hpp"

namespace httplib {
struct Request;
}

namespace acx::http {

struct ClientOptions {
  // The deadline of one whole exchange: connecting, sending the request and reading the whole answer. A peer that
  // answers one byte a second is cut off here, not after each byte.
  std::chrono::milliseconds timeout{10'000};
  // The most of an answer's body kept in memory; a longer answer keeps its first max_answer bytes (Exchange::truncated)
  // and its connection is closed rather than read to the end.
  std::size_t max_answer = 64u << 10;
  bool verify_tls = true;
  // mTLS: a client certificate and its key (PEM files) for servers that ask for one; CA certificates (a PEM file) to
  // trust instead of the system's. Checked by whoever takes them from a person (util::key_pair_problem).
  std::string client_cert, client_key, ca_cert;
};

// Why an exchange has no answer.
enum class Failure {
  none,
  connect,       // connection refused, host unreachable or unknown, or no connection within the deadline
  tls,           // the TLS handshake failed
  tls_untrusted, // the server's certificate is not trusted: retrying cannot mend it
  send,          // the connection broke while sending
  receive,       // the connection closed before a complete answer, or the answer was not HTTP
  timeout,       // the whole exchange took longer than ClientOptions::timeout
  too_large,     // the answer's head went on past 1 MiB
  bad_request,   // acx refused to send it (a header with CR, LF or NUL, say): retrying cannot mend it
  aborted,       // the caller's stop token asked for it to end
};

// What one request came to: a status and body, or (status 0) the transport failure.
struct Exchange {
  int status = 0;
  util::Headers headers;
  std::string body; // at most ClientOptions::max_answer bytes
  bool truncated = false;
  std::chrono::microseconds latency{0};
  Failure failure = Failure::none;
  std::string error;      // set when status is 0: the failure in words
  bool permanent = false; // with error: retrying cannot mend it
};

// A keep-alive HTTP(S) connection to one origin, on top of cpp-httplib. One thread at a time.
class Client {
public:
  Client(const util::Url& origin, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // POSTs `body` to `target` (path and query) with `headers` (Content-Type defaults to application/json).
  Exchange post(const std::string& target, const util::Headers& headers, const std::string& body,
                std::stop_token stop = {});
  // Any method: GET, POST, PUT, DELETE (a body only where the method takes one). A request whose `stop` is asked to
  // stop ends at once with Failure::aborted.
  Exchange request(const std::string& method, const std::string& target, const util::Headers& headers,
                   const std::string& body = {}, std::stop_token stop = {});

  // GETs `target` and hands the answer's body to `each` piece by piece as it arrives (a stream of server-sent events,
  // say) until the peer ends it (status set, failure none), `each` returns false (the same), `stop` is asked
  // (Failure::aborted) or nothing arrives for `idle` (Failure::timeout). A non-2xx answer's body is kept instead, at
  // most max_answer bytes.
  Exchange stream(const std::string& target, const util::Headers& headers, std::chrono::milliseconds idle,
                  const std::function<bool(std::string_view)>& each, std::stop_token stop = {});

private:
  void exchange(httplib::Request& req, Exchange& out, std::chrono::steady_clock::time_point deadline,
                const std::function<bool()>& stalled, const std::function<bool(const char*, std::size_t)>& receive,
                bool& cut_short, std::stop_token stop);
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The cpp-httplib acx was built with (header-only: it is also the one running).
util::Library client_library();

} // namespace acx::http
