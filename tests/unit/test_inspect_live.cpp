#include <atomic>
#include <chrono>
#include <doctest/doctest.h>
#include <thread>

#include "acx/inspect/live.hpp"

using namespace acx;
using namespace std::chrono_literals;

namespace {

// A reply that records what it got, once.
struct Answered {
  std::atomic<int> count{0};
  std::string body;
  int status = 0;
  http::Reply reply()
  {
    return [this](http::Response r) {
      body = r.body;
      status = r.status;
      ++count;
    };
  }
  void wait()
  {
    for (int i = 0; i < 2000 && count == 0; ++i) {
      std::this_thread::sleep_for(5ms); // LiveRows' own thread answers: wait for it, bounded
    }
  }
};

} // namespace

TEST_CASE("acx::inspect::LiveRows: waiting costs no thread, and every request is answered once")
{
  inspect::LiveRows live(10ms, 60s, 2);
  http::Request req;
  SUBCASE("news at once")
  {
    Answered a;
    live.wait(
        req, [] { return std::optional<std::string>("row"); }, "idle", a.reply());
    CHECK(a.count == 1);
    CHECK(a.body == "row");
  }
  SUBCASE("news later")
  {
    std::atomic<bool> news{false};
    Answered a;
    live.wait(
        req, [&]() -> std::optional<std::string> { return news ? std::optional<std::string>("row") : std::nullopt; },
        "idle", a.reply());
    CHECK(live.waiting() == 1);
    news = true;
    a.wait();
    CHECK(a.body == "row");
    CHECK(live.waiting() == 0);
  }
  SUBCASE("the client went away: answered (and forgotten) without news")
  {
    std::atomic<bool> gone{false};
    req.client_gone = [&] { return gone.load(); };
    Answered a;
    live.wait(
        req, [] { return std::optional<std::string>(); }, "idle", a.reply());
    gone = true;
    a.wait();
    CHECK(a.body == "idle");
  }
  SUBCASE("past the most waiting: 503; stop answers the rest")
  {
    Answered a, b, c, d;
    auto nothing = [] { return std::optional<std::string>(); };
    live.wait(req, nothing, "idle", a.reply());
    live.wait(req, nothing, "idle", b.reply());
    live.wait(req, nothing, "idle", c.reply());
    CHECK(c.status == 503);
    live.stop();
    CHECK(a.count == 1);
    CHECK(b.count == 1);
    live.wait(req, nothing, "idle", d.reply()); // after stop: at once
    CHECK(d.body == "idle");
  }
}

TEST_CASE("acx::inspect::LiveRows: a request waits no longer than `longest`")
{
  inspect::LiveRows live(10ms, 50ms, 8);
  Answered a;
  live.wait(
      http::Request{}, [] { return std::optional<std::string>(); }, "idle", a.reply());
  a.wait();
  CHECK(a.body == "idle");
}
