#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

#include "acx/http/client.hpp"
#include "acx/http/watchdog.hpp"

using namespace acx;
using Clock = std::chrono::steady_clock;

namespace {

// A peer on loopback that reads a request, then answers as `behave` writes on the socket (until it returns or the
// client goes). One connection at a time.
class Peer {
public:
  explicit Peer(std::function<void(int fd, const std::atomic<bool>& stop)> behave) : m_behave(std::move(behave))
  {
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(m_listen, 16) == 0);
    socklen_t len = sizeof a;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&a), &len);
    m_port = ntohs(a.sin_port);
    m_thread = std::thread([this] {
      while (!m_stop) {
        const int fd = ::accept(m_listen, nullptr, nullptr);
        if (fd < 0) {
          return;
        }
        // A send that cannot go on for 200 ms gives up, so a peer never outlives its test in a blocked send.
        const timeval t{0, 200'000};
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
        char buf[4096];
        std::string in;
        while (in.find("\r\n\r\n") == std::string::npos) {
          const auto n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0) {
            break;
          }
          in.append(buf, static_cast<std::size_t>(n));
        }
        m_behave(fd, m_stop);
        ::close(fd);
      }
    });
  }
  ~Peer()
  {
    m_stop = true;
    ::shutdown(m_listen, SHUT_RDWR);
    ::close(m_listen);
    m_thread.join();
  }
  util::Url url() const { return *util::parse_url("http://127.0.0.1:" + std::to_string(m_port) + "/"); }

private:
  std::function<void(int, const std::atomic<bool>&)> m_behave;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// Sends all of `s`. A send that cannot go on for 200 ms (SO_SNDTIMEO) gives up, unless `stop` is given: then it is
// tried again until the test ends, so a client slowed down by a busy machine or a sanitizer is waited for, and the
// peer still never outlives its test.
bool send_all(int fd, std::string_view s, const std::atomic<bool>* stop = nullptr)
{
  while (!s.empty()) {
    const auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n > 0) {
      s.remove_prefix(static_cast<std::size_t>(n));
    } else if (!(n < 0 && (errno == EAGAIN || errno == EINTR) && stop && !*stop)) {
      return false;
    }
  }
  return true;
}

// Writes one byte every 100 ms until the client goes (or 60 s).
void drip(int fd, std::string_view text, const std::atomic<bool>& stop)
{
  for (std::size_t i = 0; i < 600 && !stop; ++i) {
    if (!send_all(fd, text.substr(i % text.size(), 1))) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

double seconds_since(Clock::time_point t)
{
  return std::chrono::duration<double>(Clock::now() - t).count();
}

} // namespace

TEST_CASE("acx::http::Client: one deadline for the whole exchange")
{
  http::ClientOptions o;
  o.timeout = std::chrono::milliseconds(500);
  SUBCASE("an answer dripping in its head")
  {
    Peer peer(
        [](int fd, const auto& stop) { drip(fd, "HTTP/1.1 200 OK\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaa", stop); });
    http::Client c(peer.url(), o);
    const auto start = Clock::now();
    const auto e = c.post("/", {}, "{}");
    CHECK(seconds_since(start) < 10); // a byte every 100 ms never trips a per-read timeout of 500 ms
    CHECK(e.status == 0);
    CHECK(e.failure == http::Failure::timeout);
    CHECK(e.error == "no complete answer within 500 ms");
  }
  SUBCASE("an answer dripping in its body")
  {
    Peer peer([](int fd, const auto& stop) {
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
      drip(fd, "x", stop);
    });
    http::Client c(peer.url(), o);
    const auto start = Clock::now();
    const auto e = c.post("/", {}, "{}");
    CHECK(seconds_since(start) < 10);
    CHECK(e.failure == http::Failure::timeout);
  }
  SUBCASE("a stop token ends it at once")
  {
    Peer peer([](int fd, const auto& stop) { drip(fd, "H", stop); });
    o.timeout = std::chrono::seconds(60);
    http::Client c(peer.url(), o);
    std::stop_source stop;
    std::thread stopper([&stop] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      stop.request_stop();
    });
    const auto start = Clock::now();
    const auto e = c.post("/", {}, "{}", stop.get_token());
    stopper.join();
    CHECK(seconds_since(start) < 10);
    CHECK(e.failure == http::Failure::aborted);
    const auto again = c.post("/", {}, "{}", stop.get_token());
    CHECK(again.failure == http::Failure::aborted); // asked before it starts: not even sent
  }
}

TEST_CASE("acx::http::Client: the answer kept is bounded")
{
  http::ClientOptions o;
  o.timeout = std::chrono::seconds(30);
  o.max_answer = 1000;
  SUBCASE("an endless chunked answer: its status and first bytes")
  {
    Peer peer([](int fd, const auto& stop) {
      send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      const std::string chunk = "1000\r\n" + std::string(0x1000, 'y') + "\r\n";
      for (int i = 0; i < 1'000'000 && !stop && send_all(fd, chunk, &stop); ++i) {
      }
    });
    http::Client c(peer.url(), o);
    const auto e = c.post("/", {}, "{}");
    CHECK(e.status == 200);
    CHECK(e.truncated);
    CHECK(e.body == std::string(1000, 'y'));
  }
  SUBCASE("endless header lines: cut off past 1 MiB of head, long before the deadline")
  {
    Peer peer([](int fd, const auto& stop) {
      send_all(fd, "HTTP/1.1 200 OK\r\n");
      std::string lines;
      for (int i = 0; i < 1000; ++i) {
        lines += "a: b\r\n";
      }
      for (int i = 0; i < 1'000'000 && !stop && send_all(fd, lines, &stop); ++i) {
      }
    });
    http::Client c(peer.url(), o);
    const auto start = Clock::now();
    const auto e = c.post("/", {}, "{}");
    CHECK(seconds_since(start) < 20); // the deadline is 30 s
    CHECK(e.status == 0);
    CHECK(e.failure == http::Failure::too_large);
    CHECK(e.error == "the answer's head is larger than 1048576 bytes");
  }
  SUBCASE("a large body sent at once is still an answer, its head small")
  {
    Peer peer([](int fd, const auto&) {
      const std::string body(20u << 20, 'q');
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    });
    http::Client c(peer.url(), o);
    const auto e = c.post("/", {}, "{}");
    CHECK(e.status == 200);
    CHECK(e.truncated);
    CHECK(e.body.size() == 1000);
  }
  SUBCASE("a 204 has no body to read")
  {
    Peer peer([](int fd, const auto&) { send_all(fd, "HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n"); });
    http::Client c(peer.url(), o);
    const auto e = c.request("DELETE", "/x", {});
    CHECK(e.status == 204);
    CHECK(*e.headers.find("X-A") == "b");
    CHECK_FALSE(e.truncated);
  }
}

TEST_CASE("acx::http::Client: no header or target that could split the request")
{
  Peer peer([](int fd, const auto&) { send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); });
  http::Client c(peer.url(), {});
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"X-Acx-Topic", "job_created\r\nX-Injected: yes"},
                                                        {"X-A", "a\nb"},
                                                        {"X-A", std::string("a\0b", 3)},
                                                        {"X Bad", "v"},
                                                        {"", "v"},
                                                        {"X-A\r\nX-B", "v"}}) {
    const auto e = c.post("/", {{name, value}}, "{}");
    CHECK(e.status == 0);
    CHECK(e.failure == http::Failure::bad_request);
    CHECK(e.permanent);
  }
  CHECK(c.post("/a b", {}, "{}").failure == http::Failure::bad_request);
  CHECK(c.post("/a\r\nHost: x", {}, "{}").failure == http::Failure::bad_request);
  CHECK(c.post("/", {{"X-Fine", "v a l u e"}}, "{}").status == 200);
}

TEST_CASE("acx::http::detail::Watchdog")
{
  http::detail::Watchdog w;
  std::atomic<int> fired{0};
  const auto later = w.arm(Clock::now() + std::chrono::hours(1), [&] { ++fired; });
  CHECK_FALSE(w.disarm(later)); // never ran
  const auto now = w.arm(Clock::now() + std::chrono::hours(1), [&] { ++fired; });
  w.expire(now);
  // The watchdog's own thread fires it: wait for that, bounded.
  for (int i = 0; i < 2000 && fired == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(w.disarm(now));
  CHECK(fired == 1);
  CHECK_FALSE(w.disarm(now)); // once
}
