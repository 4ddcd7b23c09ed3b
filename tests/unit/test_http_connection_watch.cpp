#include <chrono>
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "acx/http/connection_watch.hpp"

using namespace acx::http::detail;
using Clock = std::chrono::steady_clock;

TEST_CASE("acx::http::detail::ConnectionWatch: per address, trusted proxies aside")
{
  ConnectionWatch w(2, {"10.0.0.9"});
  int a = 0, b = 0, c = 0;
  CHECK(w.admit("127.0.0.1"));
  w.opened(&a, -1, "127.0.0.1", ConnectionWatch::k_none);
  w.opened(&b, -1, "127.0.0.1", ConnectionWatch::k_none);
  CHECK_FALSE(w.admit("127.0.0.1"));
  CHECK(w.admit("127.0.0.2"));
  w.opened(&c, -1, "10.0.0.9", ConnectionWatch::k_none);
  CHECK(w.admit("10.0.0.9")); // the proxy is not counted...
  CHECK(w.begin_proxied("203.0.113.7"));
  CHECK(w.begin_proxied("203.0.113.7"));
  CHECK_FALSE(w.begin_proxied("203.0.113.7")); // ...the clients behind it are
  w.end_proxied("203.0.113.7");
  CHECK(w.begin_proxied("203.0.113.7"));
  w.closed(&a);
  CHECK(w.admit("127.0.0.1"));
  w.closed(&a); // twice: harmless
  w.closed(&b);
  w.closed(&c);
  w.stop_accepting(); // the server is stopping: nobody new
  CHECK_FALSE(w.admit("127.0.0.3"));
  CHECK_FALSE(w.admit("10.0.0.9"));
}

TEST_CASE("acx::http::detail::forwarded_client: the rightmost address the proxy did not write itself")
{
  ConnectionWatch w(0, {"127.0.0.1", "10.0.0.9"});
  CHECK(forwarded_client("203.0.113.7", w) == "203.0.113.7");
  CHECK(forwarded_client("1.1.1.1, 203.0.113.7", w) == "203.0.113.7"); // the left one is the client's own claim
  CHECK(forwarded_client("203.0.113.7, 10.0.0.9", w) == "203.0.113.7");
  CHECK(forwarded_client("2001:db8::1", w) == "2001:db8::1");
  CHECK_FALSE(forwarded_client("", w));
  CHECK_FALSE(forwarded_client("10.0.0.9", w));
  CHECK_FALSE(forwarded_client("evil\r\nX: y", w));
  CHECK_FALSE(forwarded_client("1.1.1.1, <script>", w));
  CHECK_FALSE(forwarded_client(std::string(1000, '1'), w));
}

TEST_CASE("acx::http::detail::ConnectionWatch: a connection past its deadline is shut down")
{
  ConnectionWatch w(0, {});
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  int late = 0, fine = 0;
  int other[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, other) == 0);
  w.opened(&late, fds[0], "127.0.0.1", Clock::now() + std::chrono::milliseconds(100));
  w.opened(&fine, other[0], "127.0.0.1", Clock::now() + std::chrono::milliseconds(100));
  w.set_deadline(&fine, ConnectionWatch::k_none); // its head came in time
  char c = 0;
  CHECK(::read(fds[1], &c, 1) == 0); // blocks until the watch shuts the other end down: the end of the stream
  CHECK(w.cut_off() == 1);
  w.set_deadline(&fine, Clock::now() + std::chrono::hours(1), true);
  w.set_deadline(&fine, Clock::now() + std::chrono::hours(2), true); // sooner_only keeps the hour
  w.closed(&late);
  w.closed(&fine);
  for (int fd : {fds[0], fds[1], other[0], other[1]}) {
    ::close(fd);
  }
}

TEST_CASE("acx::http::detail::ConnectionWatch: a deadline brought forward wakes the watch, a later one need not")
{
  ConnectionWatch w(0, {});
  int early[2], later[2], spare[2];
  for (int* pair : {early, later, spare}) {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  }
  int a = 0, b = 0, c = 0;
  char byte = 0;
  // Once the early connection is cut off, the watch sleeps towards the hour of the later one.
  w.opened(&a, early[0], "127.0.0.1", Clock::now() + std::chrono::milliseconds(20));
  w.opened(&b, later[0], "127.0.0.1", Clock::now() + std::chrono::hours(1));
  CHECK(::read(early[1], &byte, 1) == 0);
  // A request's deadline brings it to 50 ms from now, and a connection opened with a later one does not postpone it.
  w.set_deadline(&b, Clock::now() + std::chrono::milliseconds(50));
  w.opened(&c, spare[0], "127.0.0.1", Clock::now() + std::chrono::hours(2));
  pollfd p{later[1], POLLIN, 0};
  REQUIRE(::poll(&p, 1, 60'000) == 1); // generous: it comes within about 100 ms
  CHECK(::read(later[1], &byte, 1) == 0);
  CHECK(w.cut_off() == 2);
  for (const int* key : {&a, &b, &c}) {
    w.closed(key);
  }
  for (int* pair : {early, later, spare}) {
    ::close(pair[0]);
    ::close(pair[1]);
  }
}
