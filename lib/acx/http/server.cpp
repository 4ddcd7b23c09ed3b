#include "acx/http/server.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <map>
#include <microhttpd.h>
#include <mutex>
#include <netdb.h>
#include <optional>
#include <poll.h>
#include <set>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acx/http/connection_watch.hpp"
#include "acx/http/sockets.hpp"
#include "acx/http/streams.hpp"
#include "acx/http/worker_pool.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"

namespace acx::http {

namespace {

// A request body past the limit is read and dropped up to this many bytes, so that the client reads its 413 (closing
// with unread bytes makes the kernel reset the connection, and the answer is lost); past it the connection is closed.
constexpr std::size_t k_drain_limit = 64u << 20;
// Memory for one connection's request head and answer head: a request head larger than about 7 KiB answers 431.
// Each connection keeps what it used while idle, so this is what 5,000 keep-alive connections cost (about 10 KiB
// each with the rest of MHD's state; 32 KiB, MHD's default, made it 30 KiB).
constexpr size_t k_connection_memory = 8u << 10;
// How long stop() waits for requests already read to be answered.
constexpr std::chrono::seconds k_drain_time{30};

// Where one request is in its life; MHD calls the access handler several times per request.
enum class Stage {
  fresh,      // headers read, not yet looked at
  reading,    // the body arrives
  discarding, // refused (over the limit, say): the body is dropped as it arrives, the refusal sent at the end
  working,    // the handler runs (on this thread, a worker, or whatever thread will reply)
  answered,   // the handler's response is ready to send
};

// One request, from its request line to the end of its answer (MHD's per-request pointer).
struct InFlight {
  Stage stage = Stage::fresh;
  Request request;
  const Route* route = nullptr;
  Response response;                     // kept alive here while MHD sends it
  std::optional<std::uint64_t> declared; // Content-Length
  bool chunked = false;
  bool expects_continue = false; // the client waits for 100 Continue before it sends the body
  std::size_t dropped = 0;
  bool counted = false;       // counted in Impl::in_flight
  std::string proxied_client; // set while counted against a client behind a trusted proxy
  MHD_Connection* connection = nullptr;
  // Who got there first once the request is handed to its handler: the network thread suspending the connection, or
  // the reply. Decided under one lock, so a reply never resumes a connection that is not yet fully suspended: an
  // answer given before the handler returns is sent at once, without suspending; a later one resumes.
  std::mutex handoff;
  bool replied = false;
  bool suspended = false;
};

Response text(int status, std::string body)
{
  return Response{status, "text/plain; charset=utf-8", std::move(body) + "\n", {}};
}

// The path's segments; a route's {name} segment matches any one segment.
std::optional<std::vector<std::string>> match(const std::string& pattern, const std::string& path)
{
  const auto want = util::split(pattern, '/');
  const auto got = util::split(path, '/');
  if (want.size() != got.size()) {
    return std::nullopt;
  }
  std::vector<std::string> params;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (got[i].empty()) {
        return std::nullopt;
      }
      params.emplace_back(got[i]);
    } else if (want[i] != got[i]) {
      return std::nullopt;
    }
  }
  return params;
}

const sockaddr* client_sockaddr(MHD_Connection* c)
{
  const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return info == nullptr ? nullptr : info->client_addr;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value,
                          size_t value_size)
{
  static_cast<util::Headers*>(cls)->add(std::string(key, key_size),
                                        value ? std::string(value, value_size) : std::string());
  return MHD_YES;
}

MHD_Result collect_query(void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value,
                         size_t value_size)
{
  // emplace keeps the first of repeated names
  static_cast<std::map<std::string, std::string>*>(cls)->emplace(std::string(key, key_size),
                                                                 value ? std::string(value, value_size) : "");
  return MHD_YES;
}

bool all_digits(std::string_view s)
{
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

} // namespace

struct Server::Impl {
  ServerOptions options;
  std::vector<Route> routes;
  std::unique_ptr<detail::WorkerPool> pool;
  MHD_Daemon* daemon = nullptr;
  std::string tls_cert_pem;
  std::string tls_key_pem;

  std::unique_ptr<detail::ConnectionWatch> watch;

  std::mutex mutex;
  std::condition_variable drained;
  std::size_t in_flight = 0; // requests handed to a worker and not yet answered in full
  std::atomic<bool> stopping{false};
  detail::Streams streams; // answers made while they are sent

  void read_head(InFlight& ex, MHD_Connection* c, const char* url, const char* method)
  {
    Request& r = ex.request;
    r.method = method;
    r.path = url;
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, collect_header, &r.headers);
    const auto [ip, port] = detail::ip_and_port(client_sockaddr(c));
    r.remote = detail::with_port(ip, port);
    if (watch->trusted(ip)) {
      const std::string* xff = r.headers.find("X-Forwarded-For");
      if (const auto client = xff ? detail::forwarded_client(*xff, *watch) : std::nullopt) {
        r.remote = detail::with_port(*client, 0);
        ex.proxied_client = *client;
      }
    }
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_query, &r.query);
    const auto* expect = r.headers.find("Expect");
    ex.expects_continue = expect && util::iequals(util::trim(*expect), "100-continue");
  }

  // RFC 9112 6.3: a request whose length two parties could read differently is refused, and the connection closed.
  static std::optional<Response> check_framing(InFlight& ex)
  {
    std::vector<std::string> lengths;
    for (const auto& h : ex.request.headers) {
      if (util::iequals(h.name, "Content-Length")) {
        lengths.push_back(h.value);
      } else if (util::iequals(h.name, "Transfer-Encoding")) {
        if (!util::iequals(util::trim(h.value), "chunked") || ex.chunked) {
          return text(501, fmt::format("unsupported Transfer-Encoding: {} (only chunked)", util::excerpt(h.value)));
        }
        ex.chunked = true;
      }
    }
    if (ex.chunked && !lengths.empty()) {
      return text(400, "bad request: Content-Length together with Transfer-Encoding");
    }
    for (const auto& l : lengths) {
      if (!all_digits(l) || l != lengths.front()) {
        return text(400, lengths.size() > 1
                             ? "bad request: conflicting Content-Length headers"
                             : fmt::format("bad request: Content-Length is not a number: {}", util::excerpt(l)));
      }
    }
    if (!lengths.empty()) {
      ex.declared = lengths.front().size() > 18 ? UINT64_MAX : std::strtoull(lengths.front().c_str(), nullptr, 10);
    }
    return std::nullopt;
  }

  // The refusal of a request that must not reach a handler (no route, a compressed or too large body); nullopt when
  // it may go on.
  std::optional<Response> admit(InFlight& ex)
  {
    Request& r = ex.request;
    std::set<std::string> allowed;
    for (const auto& route : routes) {
      if (auto params = match(route.path, r.path)) {
        if (route.method == r.method) {
          ex.route = &route;
          r.params = std::move(*params);
          break;
        }
        allowed.insert(route.method);
      }
    }
    if (ex.route == nullptr) {
      if (allowed.empty()) {
        return text(404, fmt::format("not found: {}", util::excerpt(r.path, 200)));
      }
      const std::string allow = fmt::format("{}", fmt::join(allowed, ", "));
      Response res = text(405, fmt::format("method not allowed: {} (allowed: {})", util::excerpt(r.method), allow));
      res.headers.add("Allow", allow);
      return res;
    }
    // The body: never decompressed, and never larger than the limit.
    if (const auto* enc = r.headers.find("Content-Encoding"); enc && !util::iequals(util::trim(*enc), "identity")) {
      return text(415,
                  fmt::format("unsupported Content-Encoding: {}: send the body uncompressed", util::excerpt(*enc)));
    }
    if (ex.declared) {
      if (*ex.declared > options.max_body) {
        return too_large();
      }
      r.body.reserve(*ex.declared);
    }
    return std::nullopt;
  }

  // Refuses before the body is read. A body on its way is read and dropped first (up to k_drain_limit), so that the
  // client reads the answer: closing with unread bytes resets the connection and the answer is lost.
  MHD_Result refuse(MHD_Connection* c, InFlight& ex, Response res)
  {
    const bool body_coming = ex.chunked || ex.declared.value_or(0) > 0;
    if (body_coming && !ex.expects_continue && ex.declared.value_or(0) <= k_drain_limit) {
      ex.response = std::move(res);
      ex.stage = Stage::discarding;
      return MHD_YES;
    }
    return answer(c, ex, std::move(res), true);
  }

  Response too_large()
  {
    if (options.on_too_large) {
      options.on_too_large();
    }
    return text(413, fmt::format("payload too large: the limit is {} bytes", options.max_body));
  }

  // Hands a complete request to its handler. An async handler runs here, on the network thread; a blocking one on a
  // worker. An answer that is ready when the handler returns is sent at once; otherwise the connection sleeps until
  // the reply wakes it.
  MHD_Result dispatch(MHD_Connection* c, InFlight& ex)
  {
    {
      // Under the lock stop() sets `stopping` with: a request is either refused here or counted before stop() waits
      // for the count to reach zero, never suspended behind its back.
      std::unique_lock lock(mutex);
      if (stopping) {
        lock.unlock();
        return answer(c, ex, text(503, "service unavailable: shutting down"), true);
      }
      ++in_flight;
      ex.counted = true;
    }
    ex.connection = c;
    ex.stage = Stage::working;
    if (const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)) {
      // The socket stays open while the connection waits for its reply: MHD closes no suspended connection.
      ex.request.client_gone = [fd = info->connect_fd] {
        pollfd p{fd, POLLRDHUP, 0};
        return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
      };
    }
    watch->set_deadline(c, detail::ConnectionWatch::k_none); // the wait is ours now, not the client's
    auto reply = [e = &ex](Response r) {
      bool resume = false;
      {
        std::lock_guard lock(e->handoff);
        e->response = std::move(r);
        e->stage = Stage::answered;
        e->replied = true;
        resume = e->suspended;
      }
      if (resume) {
        MHD_resume_connection(e->connection);
      }
    };
    if (ex.route->async) {
      try {
        ex.route->async(std::move(ex.request), reply);
      } catch (const std::exception&) {
        if (ex.stage == Stage::working) {
          reply(text(500, "internal error"));
        }
      }
    } else {
      const bool taken = pool->try_submit([e = &ex, reply] {
        Response r;
        try {
          r = e->route->handler(std::move(e->request));
        } catch (const std::exception&) {
          r = text(500, "internal error");
        }
        reply(std::move(r));
      });
      if (!taken) {
        Response busy = text(503, "service unavailable: too many requests at once, try again shortly");
        busy.headers.add("Retry-After", "1");
        return answer(c, ex, std::move(busy), false);
      }
    }
    {
      std::unique_lock lock(ex.handoff);
      if (!ex.replied) {
        MHD_suspend_connection(c); // the reply, when it comes, resumes it
        ex.suspended = true;
        return MHD_YES;
      }
    }
    return answer(c, ex, std::move(ex.response), stopping);
  }

  // Queues the response; with `close`, the connection closes after it.
  MHD_Result answer(MHD_Connection* c, InFlight& ex, Response res, bool close)
  {
    ex.response = std::move(res);
    Response& r = ex.response;
    MHD_Response* mr = streams.respond(c, r);
    if (mr == nullptr) {
      return MHD_NO;
    }
    MHD_add_response_header(mr, "Content-Type", r.content_type.c_str());
    for (const auto& h : r.headers) {
      MHD_add_response_header(mr, h.name.c_str(), h.value.c_str());
    }
    if (close) {
      MHD_add_response_header(mr, "Connection", "close");
    }
    const MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), mr);
    MHD_destroy_response(mr);
    return ok;
  }

  MHD_Result on_request(MHD_Connection* c, const char* url, const char* method, const char* upload, size_t* upload_size,
                        InFlight& ex)
  {
    switch (ex.stage) {
    case Stage::fresh:
      ex.stage = Stage::reading;
      read_head(ex, c, url, method);
      if (!ex.proxied_client.empty() && !watch->begin_proxied(ex.proxied_client)) {
        ex.proxied_client.clear();
        Response busy = text(503, "service unavailable: too many requests at once from this address");
        busy.headers.add("Retry-After", "1");
        return answer(c, ex, std::move(busy), true);
      }
      if (auto bad = check_framing(ex)) {
        return answer(c, ex, std::move(*bad), true);
      }
      // The head is in: the body gets its own deadline.
      watch->set_deadline(c, std::chrono::steady_clock::now() + options.body_timeout);
      if (auto refusal = admit(ex)) {
        return refuse(c, ex, std::move(*refusal));
      }
      return MHD_YES;
    case Stage::reading:
      if (*upload_size > 0) {
        if (ex.request.body.size() + *upload_size > options.max_body) {
          ex.stage = Stage::discarding;
          ex.request.body = std::string();
          ex.response = too_large();
          ex.dropped = *upload_size;
        } else {
          ex.request.body.append(upload, *upload_size);
        }
        *upload_size = 0;
        return MHD_YES;
      }
      return dispatch(c, ex);
    case Stage::discarding:
      if (*upload_size > 0) {
        ex.dropped += *upload_size;
        *upload_size = 0;
        return ex.dropped > k_drain_limit ? MHD_NO : MHD_YES;
      }
      return answer(c, ex, std::move(ex.response), true);
    case Stage::working:
      return MHD_YES;
    case Stage::answered:
      return answer(c, ex, std::move(ex.response), stopping);
    }
    return MHD_NO;
  }

  void on_completed(MHD_Connection* c, InFlight* ex)
  {
    // A kept-alive connection may idle, then must send its next head in time.
    watch->set_deadline(c, std::chrono::steady_clock::now() + options.idle_timeout + options.header_timeout);
    if (ex == nullptr) {
      return;
    }
    if (!ex->proxied_client.empty()) {
      watch->end_proxied(ex->proxied_client);
    }
    if (ex->counted) {
      std::lock_guard lock(mutex);
      if (--in_flight == 0) {
        drained.notify_all();
      }
    }
    delete ex;
  }
};

Server::Server(ServerOptions options, std::vector<Route> routes) : m_impl(std::make_unique<Impl>())
{
  m_impl->options = std::move(options);
  m_impl->routes = std::move(routes);
  const auto& o = m_impl->options;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (o.tls_cert.empty() || o.tls_key.empty()) {
      throw Error(ExitCode::usage, "HTTPS needs both --tls-cert and --tls-key");
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      throw Error(ExitCode::usage, "HTTPS is not available: this libmicrohttpd was built without TLS");
    }
    const auto tls_error = [&o] {
      return Error(ExitCode::bad_input, fmt::format("cannot load the TLS certificate {} and key {}: missing, "
                                                    "unreadable, not PEM, or not a matching pair",
                                                    o.tls_cert, o.tls_key));
    };
    try {
      m_impl->tls_cert_pem = util::read_input(o.tls_cert, 1u << 20);
      m_impl->tls_key_pem = util::read_input(o.tls_key, 1u << 20);
    } catch (const Error&) {
      throw tls_error();
    }
  }
}

Server::~Server()
{
  stop();
}

int Server::start()
{
  Impl& impl = *m_impl;
  const auto& o = impl.options;
  detail::raise_descriptor_limit();
  const int fd = detail::listen_on(o.host, o.port);
  const int port = detail::bound_port(fd);
  impl.pool = std::make_unique<detail::WorkerPool>(o.workers, o.max_queued);

  auto on_access = [](void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                      const char* upload, size_t* upload_size, void** state) -> MHD_Result {
    return static_cast<Impl*>(cls)->on_request(c, url, method, upload, upload_size, *static_cast<InFlight*>(*state));
  };
  // Called first for every request, with the target exactly as sent: the request's state starts here.
  auto on_uri = [](void* cls, const char* uri, MHD_Connection* c) -> void* {
    auto& self = *static_cast<Impl*>(cls);
    // The request line is in: the rest of the head comes within header_timeout.
    self.watch->set_deadline(c, std::chrono::steady_clock::now() + self.options.header_timeout, true);
    auto* ex = new InFlight;
    ex->request.target = uri;
    return ex;
  };
  auto on_done = [](void* cls, MHD_Connection* c, void** state, MHD_RequestTerminationCode) {
    static_cast<Impl*>(cls)->on_completed(c, static_cast<InFlight*>(*state));
    *state = nullptr;
  };
  // Connections: counted per address, and watched from their first byte for a head that takes too long.
  auto on_accept = [](void* cls, const sockaddr* addr, socklen_t) -> MHD_Result {
    return static_cast<Impl*>(cls)->watch->admit(detail::ip_and_port(addr).first) ? MHD_YES : MHD_NO;
  };
  auto on_connection = [](void* cls, MHD_Connection* c, void**, MHD_ConnectionNotificationCode code) {
    auto& self = *static_cast<Impl*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
      self.watch->opened(c, info ? info->connect_fd : -1, detail::ip_and_port(client_sockaddr(c)).first,
                         std::chrono::steady_clock::now() + self.options.header_timeout);
    } else {
      self.watch->closed(c);
    }
  };
  using UriLog = void* (*)(void*, const char*, MHD_Connection*);
  using Completed = void (*)(void*, MHD_Connection*, void**, MHD_RequestTerminationCode);
  using Notify = void (*)(void*, MHD_Connection*, void**, MHD_ConnectionNotificationCode);

  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
  const bool tls = !impl.tls_cert_pem.empty();
  if (tls) {
    flags |= MHD_USE_TLS;
  }
  impl.watch = std::make_unique<detail::ConnectionWatch>(o.max_connections_per_ip, o.trusted_proxies);
  impl.daemon = MHD_start_daemon(
      flags, 0, static_cast<MHD_AcceptPolicyCallback>(on_accept), &impl, on_access, &impl, MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(o.idle_timeout.count()),
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(o.max_connections), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      k_connection_memory, MHD_OPTION_URI_LOG_CALLBACK, static_cast<UriLog>(on_uri), &impl, MHD_OPTION_NOTIFY_COMPLETED,
      static_cast<Completed>(on_done), &impl, MHD_OPTION_NOTIFY_CONNECTION, static_cast<Notify>(on_connection), &impl,
      // The TLS options last: without TLS the list ends before them.
      tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, impl.tls_cert_pem.c_str(), MHD_OPTION_HTTPS_MEM_KEY,
      impl.tls_key_pem.c_str(), MHD_OPTION_END);
  if (impl.daemon == nullptr) {
    ::close(fd);
    impl.pool.reset();
    if (tls) {
      throw Error(ExitCode::bad_input, fmt::format("cannot load the TLS certificate {} and key {}: missing, "
                                                   "unreadable, not PEM, or not a matching pair",
                                                   o.tls_cert, o.tls_key));
    }
    throw Error(ExitCode::network, fmt::format("cannot serve on {}:{}: the HTTP server did not start", o.host, port));
  }
  return port;
}

void Server::stop()
{
  Impl& impl = *m_impl;
  if (impl.daemon == nullptr) {
    return;
  }
  {
    std::lock_guard lock(impl.mutex);
    impl.stopping = true;
  }
  // No new connections: they are refused as they are accepted. Not MHD_quiesce_daemon(): in libmicrohttpd 0.9.75 it
  // races a worker thread that removes the listening socket from its epoll set at the same moment, and then aborts
  // the process ("Failed to remove listen FD from epoll set").
  impl.watch->stop_accepting();
  impl.streams.end_all(); // a stream that never ends would hold the drain below for its whole time
  {
    std::unique_lock lock(impl.mutex);
    impl.drained.wait_for(lock, k_drain_time, [&impl] { return impl.in_flight == 0; });
  }
  impl.pool.reset(); // joins the workers: none touches a request once the daemon is gone
  MHD_stop_daemon(impl.daemon);
  impl.daemon = nullptr; // it closed the listening socket
  impl.watch.reset();
}

util::Library server_library()
{
  // MHD_VERSION is 0x00097500 for 0.9.75: each byte is two decimal digits.
  const auto hex = [](unsigned v) {
    return fmt::format("{:x}.{:x}.{:x}", (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff);
  };
  return {"libmicrohttpd", hex(MHD_VERSION), MHD_get_version()};
}

} // namespace acx::http
