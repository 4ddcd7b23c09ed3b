#include "acx/http/client.hpp"

#include <httplib.h>

#include "acx/util/text.hpp"

namespace acx::http {

namespace {

std::string describe(httplib::Error e, std::chrono::milliseconds timeout)
{
  switch (e) {
  case httplib::Error::Connection:
    return "cannot connect (connection refused or host unreachable)";
  case httplib::Error::ConnectionTimeout:
    return "connection timed out";
  case httplib::Error::Read:
    return "no complete answer (connection closed, or no answer within " + std::to_string(timeout.count()) + " ms)";
  case httplib::Error::Write:
    return "the connection broke while sending";
  case httplib::Error::SSLConnection:
    return "TLS handshake failed";
  case httplib::Error::SSLServerVerification:
    return "the server's TLS certificate is not trusted (self-signed, expired, or not for this host)";
  default:
    return httplib::to_string(e);
  }
}

} // namespace

struct Client::Impl {
  httplib::Client client;
  ClientOptions options;
  Impl(const util::Url& origin, ClientOptions o) : client(origin.origin()), options(o) {}
};

Client::Client(const util::Url& origin, ClientOptions options) : m_impl(std::make_unique<Impl>(origin, options))
{
  auto& c = m_impl->client;
  const auto t = options.timeout;
  c.set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(t));
  c.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(t));
  c.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(t));
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  c.set_default_headers({{"User-Agent", std::string("acx/") + ACX_VERSION}});
  c.enable_server_certificate_verification(options.verify_tls);
}

Client::~Client() = default;

Exchange Client::post(const std::string& target, const util::Headers& headers, const std::string& body)
{
  return request("POST", target, headers, body);
}

Exchange Client::request(const std::string& method, const std::string& target, const util::Headers& headers,
                         const std::string& body)
{
  httplib::Headers h;
  std::string content_type = "application/json";
  for (const auto& [name, value] : headers) {
    if (util::iequals(name, "Content-Type")) {
      content_type = value;
    } else {
      h.emplace(name, value);
    }
  }
  auto& c = m_impl->client;
  const auto start = std::chrono::steady_clock::now();
  httplib::Result result = method == "GET"      ? c.Get(target, h)
                           : method == "DELETE" ? c.Delete(target, h, body, content_type)
                           : method == "PUT"    ? c.Put(target, h, body, content_type)
                                                : c.Post(target, h, body, content_type);
  Exchange out;
  out.latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  if (!result) {
    out.error = describe(result.error(), m_impl->options.timeout);
    out.permanent = result.error() == httplib::Error::SSLServerVerification;
    return out;
  }
  out.status = result->status;
  for (const auto& [name, value] : result->headers) {
    out.headers.add(name, value);
  }
  out.body = std::move(result->body);
  return out;
}

} // namespace acx::http
