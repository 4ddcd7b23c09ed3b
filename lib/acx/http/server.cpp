#include "acx/http/server.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <httplib.h>
#include <map>
#include <set>
#include <sys/socket.h>
#include <thread>

#include "acx/http/worker_pool.hpp"
#include "acx/util/error.hpp"

namespace acx::http {

namespace {

// The route's path as a regular expression: literal text escaped, each {name} segment a capture.
std::string route_pattern(const std::string& s)
{
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '{') {
      const auto close = s.find('}', i);
      if (close != std::string::npos) {
        out += "([^/]+)";
        i = close;
        continue;
      }
    }
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) {
      out += '\\';
    }
    out += c;
  }
  return out;
}

Request to_request(const httplib::Request& in)
{
  Request out;
  out.method = in.method;
  out.path = in.path;
  out.target = in.target;
  out.remote = fmt::format("{}:{}", in.remote_addr, in.remote_port);
  out.headers.reserve(in.headers.size());
  for (const auto& [name, value] : in.headers) {
    // httplib adds these itself; they were not sent by the peer.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") {
      continue;
    }
    out.headers.add(name, value);
  }
  out.body = in.body;
  for (const auto& [name, value] : in.params) {
    out.query.emplace(name, value); // emplace keeps the first of repeated names
  }
  for (std::size_t i = 1; i < in.matches.size(); ++i) {
    out.params.push_back(in.matches[i].str());
  }
  return out;
}

void from_response(Response&& in, httplib::Response& out)
{
  out.status = in.status;
  for (const auto& h : in.headers) {
    out.set_header(h.name, h.value);
  }
  out.set_content(std::move(in.body), in.content_type);
}

const char* status_text(int status)
{
  switch (status) {
  case 400:
    return "bad request";
  case 404:
    return "not found";
  case 405:
    return "method not allowed";
  case 408:
    return "request timeout";
  case 413:
    return "payload too large";
  case 414:
    return "URI too long";
  case 431:
    return "request header fields too large";
  default:
    return "error";
  }
}

} // namespace

struct Server::Impl {
  ServerOptions options;
  std::vector<Route> routes;
  std::unique_ptr<httplib::Server> server;
  int listen_fd = -1;
};

Server::Server(ServerOptions options, std::vector<Route> routes) : m_impl(std::make_unique<Impl>())
{
  m_impl->options = std::move(options);
  m_impl->routes = std::move(routes);
  auto& o = m_impl->options;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (o.tls_cert.empty() || o.tls_key.empty()) {
      throw Error(ExitCode::usage, "HTTPS needs both --tls-cert and --tls-key");
    }
    auto tls = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!tls->is_valid()) {
      throw Error(ExitCode::bad_input,
                  fmt::format("cannot load the TLS certificate {} and key {}: missing, unreadable, "
                              "not PEM, or not a matching pair",
                              o.tls_cert, o.tls_key));
    }
    m_impl->server = std::move(tls);
  } else {
    m_impl->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *m_impl->server;
  const std::size_t min_threads = o.min_threads;
  const std::size_t max_threads = o.max_threads;
  s.new_task_queue = [min_threads, max_threads] { return new detail::WorkerPool(min_threads, max_threads); };
  s.set_tcp_nodelay(true);
  s.set_socket_options([impl = m_impl.get()](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl->listen_fd = fd;
  });
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(o.keep_alive.count());
  s.set_read_timeout(o.read_timeout.count());
  s.set_write_timeout(5);
  s.set_payload_max_length(o.max_body);

  // Routes, and 405 for the other methods on a routed path.
  std::map<std::string, std::set<std::string>> methods_by_path;
  for (const auto& r : m_impl->routes) {
    methods_by_path[r.path].insert(r.method);
  }
  for (const auto& r : m_impl->routes) {
    auto handler = [h = r.handler](const httplib::Request& req, httplib::Response& res) {
      from_response(h(to_request(req)), res);
    };
    const std::string pattern = route_pattern(r.path);
    if (r.method == "GET") {
      s.Get(pattern, handler);
    } else if (r.method == "POST") {
      s.Post(pattern, handler);
    } else if (r.method == "PUT") {
      s.Put(pattern, handler);
    } else if (r.method == "DELETE") {
      s.Delete(pattern, handler);
    }
  }
  for (const auto& [path, methods] : methods_by_path) {
    const std::string allow = fmt::format("{}", fmt::join(methods, ", "));
    auto not_allowed = [allow](const httplib::Request& req, httplib::Response& res) {
      res.status = 405;
      res.set_header("Allow", allow);
      res.set_content(fmt::format("method not allowed: {} (allowed: {})\n", req.method, allow), "text/plain");
    };
    const std::string pattern = route_pattern(path);
    if (!methods.contains("GET")) {
      s.Get(pattern, not_allowed);
    }
    if (!methods.contains("POST")) {
      s.Post(pattern, not_allowed);
    }
    if (!methods.contains("PUT")) {
      s.Put(pattern, not_allowed);
    }
    if (!methods.contains("DELETE")) {
      s.Delete(pattern, not_allowed);
    }
    s.Patch(pattern, not_allowed);
    s.Options(pattern, not_allowed);
  }
  s.set_error_handler(
      [max_body = o.max_body, on_too_large = o.on_too_large](const httplib::Request& req, httplib::Response& res) {
        if (res.status == 413 && on_too_large) {
          on_too_large();
        }
        if (!res.body.empty()) {
          return;
        }
        std::string text = status_text(res.status);
        if (res.status == 404) {
          text = fmt::format("not found: {}", req.path);
        } else if (res.status == 413) {
          text = fmt::format("payload too large: the limit is {} bytes", max_body);
        }
        res.set_content(text + "\n", "text/plain");
      });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content("internal error\n", "text/plain");
  });
}

Server::~Server() = default;

int Server::bind()
{
  auto& o = m_impl->options;
  httplib::Server& s = *m_impl->server;
  errno = 0;
  int port = o.port;
  if (o.port == 0) {
    port = s.bind_to_any_port(o.host);
  } else if (!s.bind_to_port(o.host, o.port)) {
    port = -1;
  }
  if (port <= 0) {
    const int err = errno;
    throw Error(ExitCode::network, fmt::format("cannot listen on {}:{}: {}", o.host, o.port,
                                               err ? std::strerror(err) : "address unavailable"));
  }
  // cpp-httplib listens with a backlog of 5; a burst of connections would then wait for SYN retries.
  if (m_impl->listen_fd >= 0) {
    ::listen(m_impl->listen_fd, SOMAXCONN);
  }
  return port;
}

void Server::serve()
{
  m_impl->server->listen_after_bind();
}

void Server::stop()
{
  m_impl->server->stop();
}

void Server::wait_until_serving()
{
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!m_impl->server->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error(ExitCode::network, "the server did not start accepting connections within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

} // namespace acx::http
