#include <condition_variable>
#include <doctest/doctest.h>
#include <mutex>
#include <thread>
#include <vector>

#include "acx/http/client.hpp"
#include "acx/http/server.hpp"

using namespace acx;

namespace {

http::Response ok(std::string body)
{
  return {200, "text/plain", std::move(body), {}};
}

// A client on the server's port.
http::Exchange get(int port, const std::string& path)
{
  http::Client client(*util::parse_url("http://127.0.0.1:" + std::to_string(port)), {});
  return client.request("GET", path, {});
}

// Holds one handler until released.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool entered = false;
  bool open = false;

  void pass()
  {
    std::unique_lock lock(mutex);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [this] { return open; });
  }
  void wait_entered()
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return entered; });
  }
  void release()
  {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
};

} // namespace

TEST_CASE("acx::http::Server hands each request to its handler and sends the answer, whenever it comes")
{
  Gate gate;
  std::thread later;
  http::ServerOptions options;
  options.port = 0;
  options.workers = 1;
  options.max_queued = 1;
  http::Server server(
      options, {{"GET", "/now", {}, [](http::Request, http::Reply reply) { reply(ok("now")); }},
                {"GET",
                 "/later",
                 {},
                 [&later](http::Request, http::Reply reply) { later = std::thread([reply] { reply(ok("later")); }); }},
                {"GET", "/blocking", [](http::Request r) { return ok("blocking " + r.target); }, {}},
                {"GET",
                 "/held",
                 [&gate](http::Request) {
                   gate.pass();
                   return ok("held");
                 },
                 {}}});
  const int port = server.start();

  SUBCASE("an async handler that answers before it returns")
  {
    for (int i = 0; i < 50; ++i) { // the same connection state reused: each answer is the right one
      const auto r = get(port, "/now");
      REQUIRE(r.status == 200);
      CHECK(r.body == "now");
    }
  }
  SUBCASE("an async handler that answers from another thread, after it returned")
  {
    const auto r = get(port, "/later");
    CHECK(r.status == 200);
    CHECK(r.body == "later");
  }
  SUBCASE("a blocking handler on a worker")
  {
    const auto r = get(port, "/blocking");
    CHECK(r.status == 200);
    CHECK(r.body == "blocking /blocking");
  }
  SUBCASE("no worker free and no room to queue: 503 with Retry-After, and the others still get their answers")
  {
    // One worker, held; of two more requests one takes the only queue slot and the other is refused, whichever
    // arrives first.
    std::thread held([&] {
      const auto r = get(port, "/held");
      CHECK(r.status == 200);
      CHECK(r.body == "held");
    });
    gate.wait_entered();
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<http::Exchange> done;
    auto fetch = [&] {
      auto r = get(port, "/blocking");
      std::lock_guard lock(mutex);
      done.push_back(std::move(r));
      cv.notify_all();
    };
    std::thread second(fetch), third(fetch);
    {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return !done.empty(); });
      CHECK(done[0].status == 503);
      REQUIRE(done[0].headers.find("Retry-After") != nullptr);
      CHECK(*done[0].headers.find("Retry-After") == "1");
    }
    gate.release();
    held.join();
    second.join();
    third.join();
    REQUIRE(done.size() == 2);
    CHECK(done[1].status == 200);
    CHECK(done[1].body == "blocking /blocking");
  }
  SUBCASE("unrouted paths and methods")
  {
    CHECK(get(port, "/nowhere").status == 404);
    http::Client client(*util::parse_url("http://127.0.0.1:" + std::to_string(port)), {});
    const auto r = client.request("DELETE", "/now", {});
    CHECK(r.status == 405);
  }
  server.stop();
  if (later.joinable()) {
    later.join();
  }
}
