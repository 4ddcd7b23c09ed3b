#include "acx/http/load_client.hpp"

#include "acx/http/response_head.hpp"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <memory>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "acx/util/error.hpp"
#include "acx/util/service.hpp"
#include "acx/util/text.hpp"

namespace acx::http {

namespace {

using detail::Chunked;
using detail::chunked_size;
using detail::k_max_answer;
using detail::parse_head;

using clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  bool connected = false;
  std::string out;
  std::size_t written = 0;
  std::string in;
  clock::time_point started;
  bool busy = false;
};

class Loop {
public:
  Loop(const LoadClientOptions& o, const sockaddr_storage& addr, socklen_t addr_len, std::size_t connections,
       const std::function<std::optional<LoadRequest>()>& next, const std::function<void(const LoadAnswer&)>& done)
      : m_options(o), m_addr(addr), m_addr_len(addr_len), m_next(next), m_done(done), m_conns(connections)
  {
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_host = fmt::format("{}:{}", o.origin.host, o.origin.port);
  }
  ~Loop()
  {
    for (auto& c : m_conns) {
      if (c.fd >= 0) {
        ::close(c.fd);
      }
    }
    ::close(m_epoll);
  }

  void run()
  {
    std::size_t active = 0;
    for (std::size_t i = 0; i < m_conns.size(); ++i) {
      active += start_next(i) ? 1 : 0;
    }
    const int idle_wait_ms = 50;
    std::vector<epoll_event> events(64);
    while (active > 0) {
      const int n =
          ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), m_retry.empty() ? idle_wait_ms : 0);
      for (int e = 0; e < n; ++e) {
        const std::size_t i = events[e].data.u64;
        if (!step(i)) {
          active -= start_next(i) ? 0 : 1;
        }
      }
      // Connections whose connect failed at once have no events to wait for: they take their next request now.
      while (!m_retry.empty()) {
        const std::size_t i = m_retry.back();
        m_retry.pop_back();
        active -= start_next(i) ? 0 : 1;
      }
      const auto now = clock::now();
      for (std::size_t i = 0; i < m_conns.size(); ++i) {
        Connection& c = m_conns[i];
        if (c.busy && now - c.started > m_options.timeout) {
          fail(i, fmt::format("no answer within {} ms", m_options.timeout.count()));
          active -= start_next(i) ? 0 : 1;
        }
      }
    }
  }

private:
  // Takes the next request for connection i; false when there is none left.
  bool start_next(std::size_t i)
  {
    Connection& c = m_conns[i];
    auto request = m_next();
    if (!request) {
      if (c.fd >= 0) {
        ::close(c.fd);
        c.fd = -1;
      }
      return false;
    }
    c.out = fmt::format("POST {} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n", request->target, m_host,
                        request->body.size());
    if (!request->headers.find("Content-Type")) {
      c.out += "Content-Type: application/json\r\n";
    }
    for (const auto& h : request->headers) {
      if (auto why = util::unsafe_header(h)) {
        throw Error(ExitCode::usage, "cannot send: " + *why);
      }
      c.out += h.name + ": " + h.value + "\r\n";
    }
    c.out += "\r\n";
    c.out += request->body;
    c.written = 0;
    c.in.clear();
    c.busy = true;
    c.started = clock::now();
    if (c.fd < 0 && !open(i)) {
      return true; // the error was reported; this connection goes on with the next request
    }
    if (c.connected) {
      flush(i);
    }
    return true;
  }

  bool open(std::size_t i)
  {
    Connection& c = m_conns[i];
    c.fd = ::socket(m_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c.connected = false;
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&m_addr), m_addr_len) == 0) {
      c.connected = true;
    } else if (errno != EINPROGRESS) {
      const int err = errno;
      ::close(c.fd);
      c.fd = -1;
      report_error(i, fmt::format("cannot connect: {}", std::strerror(err)));
      m_retry.push_back(i);
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET; // edge-triggered: every step drains to EAGAIN
    ev.data.u64 = i;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev);
    return true;
  }

  // Handles readiness on connection i; false when its request is finished (answered or failed).
  bool step(std::size_t i)
  {
    Connection& c = m_conns[i];
    if (!c.busy || c.fd < 0) {
      return true;
    }
    if (!c.connected) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        fail(i, fmt::format("cannot connect: {}", std::strerror(err)));
        return false;
      }
      c.connected = true;
    }
    if (c.written < c.out.size() && !flush(i)) {
      return false;
    }
    char buf[16384];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) {
        return finish(i, true);
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return finish(i, false);
      }
      fail(i, fmt::format("the connection broke: {}", std::strerror(errno)));
      return false;
    }
  }

  bool flush(std::size_t i)
  {
    Connection& c = m_conns[i];
    while (c.written < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return true;
      } else {
        fail(i, fmt::format("the connection broke while sending: {}", std::strerror(errno)));
        return false;
      }
    }
    return true;
  }

  // Checks whether the answer is complete; true while more is needed.
  bool finish(std::size_t i, bool eof)
  {
    Connection& c = m_conns[i];
    const auto head = parse_head(c.in);
    if (!head) {
      if (eof) {
        fail(i, c.in.empty() ? "the connection closed before an answer" : "the connection closed mid-answer");
        return false;
      }
      return true;
    }
    if (head->status < 0) {
      fail(i, "the answer is not HTTP");
      return false;
    }
    const std::string_view rest = std::string_view(c.in).substr(head->header_bytes);
    std::optional<std::size_t> body_len;
    if (head->status == 204 || head->status == 304 || head->status < 200) {
      body_len = 0;
    } else if (head->chunked) {
      const Chunked chunked = chunked_size(rest);
      if (chunked.state == Chunked::State::malformed) {
        fail(i, "the answer's chunked body is malformed (a chunk size that is not hex, or too large)");
        return false;
      }
      if (chunked.state == Chunked::State::complete) {
        body_len = chunked.size;
      }
    } else if (head->content_length) {
      if (*head->content_length > k_max_answer) {
        fail(i, *head->content_length == SIZE_MAX
                    ? std::string("the answer's Content-Length is not a number, or too large to represent")
                    : fmt::format("the answer declares {} bytes, more than the {} read", *head->content_length,
                                  k_max_answer));
        return false;
      }
      body_len = rest.size() >= *head->content_length ? head->content_length : std::nullopt;
    } else if (eof) {
      body_len = rest.size();
    }
    if (!body_len) {
      if (eof) {
        fail(i, "the connection closed mid-answer");
        return false;
      }
      if (c.in.size() > k_max_answer) {
        fail(i, fmt::format("the answer is larger than {} bytes", k_max_answer));
        return false;
      }
      return true;
    }
    LoadAnswer a;
    a.status = head->status;
    a.body = rest.substr(0, *body_len);
    a.latency = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - c.started);
    c.busy = false;
    m_done(a);
    if (eof || head->close) {
      drop(i);
    }
    return false;
  }

  void report_error(std::size_t i, const std::string& error)
  {
    Connection& c = m_conns[i];
    LoadAnswer a;
    a.error = error;
    a.latency = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - c.started);
    c.busy = false;
    m_done(a);
  }

  void fail(std::size_t i, const std::string& error)
  {
    report_error(i, error);
    drop(i);
  }

  void drop(std::size_t i)
  {
    Connection& c = m_conns[i];
    if (c.fd >= 0) {
      ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
    c.connected = false;
  }

  const LoadClientOptions& m_options;
  sockaddr_storage m_addr;
  socklen_t m_addr_len;
  const std::function<std::optional<LoadRequest>()>& m_next;
  const std::function<void(const LoadAnswer&)>& m_done;
  std::vector<Connection> m_conns;
  std::vector<std::size_t> m_retry;
  int m_epoll = -1;
  std::string m_host;
};

} // namespace

void run_load_client(const LoadClientOptions& o, const std::function<std::optional<LoadRequest>()>& next,
                     const std::function<void(const LoadAnswer&)>& done)
{
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(o.origin.port);
  if (const int rc = ::getaddrinfo(o.origin.host.c_str(), port.c_str(), &hints, &found); rc != 0 || !found) {
    throw Error(ExitCode::network, fmt::format("cannot resolve {}: {}", o.origin.host, ::gai_strerror(rc)));
  }
  sockaddr_storage addr{};
  std::memcpy(&addr, found->ai_addr, found->ai_addrlen);
  const socklen_t addr_len = found->ai_addrlen;
  ::freeaddrinfo(found);

  const std::size_t threads = std::max<std::size_t>(1, std::min(o.threads, o.connections));
  std::atomic<std::size_t> index{0};
  util::run_on_threads(threads, [&] {
    const std::size_t t = index++;
    const std::size_t share = o.connections / threads + (t < o.connections % threads ? 1 : 0);
    Loop loop(o, addr, addr_len, share, next, done);
    loop.run();
  });
}

} // namespace acx::http
