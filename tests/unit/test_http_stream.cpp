// A stream that can have nothing to send for a while (Response::wakeable): it sleeps without a thread or a busy loop,
// wakes when told, ends when it says, and ends when the server stops.
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <deque>
#include <doctest/doctest.h>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "acx/http/client.hpp"
#include "acx/http/server.hpp"

using namespace acx;

namespace {

// What the test hands the stream, and what the stream has been asked.
struct Feed {
  std::mutex mutex;
  std::deque<std::string> pieces; // "" ends the stream
  std::function<void()> wake;
  std::atomic<int> calls{0};

  void push(std::string piece)
  {
    {
      std::lock_guard lock(mutex);
      pieces.push_back(std::move(piece));
    }
    poke();
  }
  void poke()
  {
    std::function<void()> w;
    {
      std::lock_guard lock(mutex);
      w = wake;
    }
    REQUIRE(w);
    w();
  }
  http::Response response()
  {
    http::Response r{200, "text/event-stream", {}, {}};
    r.stream = [this](std::string& out) {
      ++calls;
      std::lock_guard lock(mutex);
      if (pieces.empty()) {
        return true; // nothing yet: sleep
      }
      const std::string piece = pieces.front();
      pieces.pop_front();
      out = piece;
      return !piece.empty();
    };
    r.wakeable = [this](std::function<void()> w) {
      std::lock_guard lock(mutex);
      wake = std::move(w);
    };
    return r;
  }
};

// A raw connection that sends a GET and reads what comes, as it comes.
class Raw {
public:
  Raw(int port, const std::string& path)
  {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    REQUIRE(::send(m_fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
  }
  ~Raw() { ::close(m_fd); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  // Reads until `needle` has arrived (true) or 30 s passed or the peer closed (false).
  bool read_until(const std::string& needle)
  {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (m_got.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      pollfd p{m_fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return false;
      }
      char buf[4096];
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
      if (n <= 0) {
        return false;
      }
      m_got.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  const std::string& got() const { return m_got; }

private:
  int m_fd = -1;
  std::string m_got;
};

} // namespace

TEST_CASE("acx::http::Server: a wakeable stream sleeps until woken, ends when it says or when the server stops")
{
  Feed feed;
  http::ServerOptions options;
  options.port = 0;
  http::Server server(options,
                      {{"GET", "/live", {}, [&feed](http::Request, http::Reply reply) { reply(feed.response()); }},
                       {"GET", "/now", {}, [](http::Request, http::Reply reply) {
                          reply({200, "text/plain", "now", {}});
                        }}});
  const int port = server.start();
  Raw raw(port, "/live");
  REQUIRE(raw.read_until("\r\n\r\n")); // the head is sent before the first piece
  CHECK(raw.got().find("Transfer-Encoding: chunked") != std::string::npos);

  SUBCASE("asleep, it is not asked again until woken; each wake sends what is ready; an empty piece ends it")
  {
    // Asleep: other requests run through the server's loop meanwhile, and the stream is not asked again.
    const int calls_asleep = feed.calls.load();
    http::Client client(*util::parse_url("http://127.0.0.1:" + std::to_string(port)), {});
    for (int i = 0; i < 20; ++i) {
      REQUIRE(client.request("GET", "/now", {}).status == 200);
    }
    CHECK(feed.calls.load() <= calls_asleep + 1);
    feed.push("data: one\n\n");
    REQUIRE(raw.read_until("data: one\n\n"));
    feed.push("data: two\n\n");
    REQUIRE(raw.read_until("data: two\n\n"));
    feed.push("");
    REQUIRE(raw.read_until("0\r\n\r\n")); // the chunked body's end
    feed.poke();                          // after the end: nothing happens
    server.stop();
  }
  SUBCASE("a wake while the stream is awake is not lost")
  {
    {
      std::lock_guard lock(feed.mutex);
      feed.pieces.push_back("data: early\n\n");
    }
    feed.poke(); // may come before the stream fell asleep, or after: either way the piece is sent
    REQUIRE(raw.read_until("data: early\n\n"));
    server.stop();
  }
  SUBCASE("the server stops a sleeping stream at once (not after its 30 s drain)")
  {
    const auto start = std::chrono::steady_clock::now();
    server.stop();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
    CHECK(raw.read_until("0\r\n\r\n"));
    feed.poke(); // after the server stopped: nothing happens
  }
}
