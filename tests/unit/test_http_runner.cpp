#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "acx/http/client.hpp"
#include "acx/http/runner.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "notify_sink.hpp"

using namespace acx;

namespace {

// Runs `body` on its own thread, so the runner's signal mask stays off the test runner's main thread.
template <class F> void on_thread(F body)
{
  std::exception_ptr failed;
  std::thread t([&] {
    try {
      body();
    } catch (...) {
      failed = std::current_exception();
    }
  });
  t.join();
  if (failed) {
    std::rethrow_exception(failed);
  }
}

http::Exchange runner_get(int port, const std::string& path)
{
  http::ClientOptions co;
  co.timeout = std::chrono::seconds(30);
  http::Client client(*util::parse_url("http://127.0.0.1:" + std::to_string(port)), co);
  return client.request("GET", path, {});
}

} // namespace

TEST_CASE("acx::http::Runner: starts, says where, writes the ready file, stops when asked, and the server with it")
{
  const TempDir temp;
  const std::string dir = temp.path.string();
  on_thread([&] {
    http::Runner runner;
    http::ServerOptions so;
    so.port = 0;
    http::Server server(so, {{"GET", "/stop", [&runner](http::Request) {
                                runner.finish();
                                return http::Response{200, "text/plain", "bye", {}};
                              }}});
    int port = 0;
    std::thread client;
    http::Runner::Options o;
    o.ready_file = dir + "/ready";
    int ticks = 0;
    o.every_second = [&] { ++ticks; };
    const http::Stop why = runner.run(server, "127.0.0.1", o, [&](int p) {
      port = p;
      client = std::thread([p] { CHECK(runner_get(p, "/stop").status == 200); });
    });
    client.join();
    CHECK(why == http::Stop::done);
    CHECK(port > 0);
    CHECK(util::read_input(dir + "/ready") == "127.0.0.1:" + std::to_string(port) + "\n");
    CHECK(runner_get(port, "/stop").status == 0); // stopped on the way out of run()
  });
}

TEST_CASE("acx::http::Runner: a timeout ends the wait, a finish() asked before run() ends it at once")
{
  on_thread([] {
    http::Runner runner;
    http::ServerOptions so;
    so.port = 0;
    http::Server server(so, {});
    http::Runner::Options o;
    o.timeout = std::chrono::milliseconds(20);
    CHECK(runner.run(server, "127.0.0.1", o, {}) == http::Stop::timeout);
  });
  on_thread([] {
    http::Runner runner;
    http::ServerOptions so;
    so.port = 0;
    http::Server server(so, {});
    runner.finish();
    CHECK(runner.run(server, "127.0.0.1", {}, {}) == http::Stop::done);
  });
}

TEST_CASE("acx::http::Runner: what fails while starting reaches the caller, and nothing is left running")
{
  const TempDir temp;
  const std::string dir = temp.path.string();
  on_thread([&] {
    http::Runner runner;
    http::ServerOptions so;
    so.port = 0;
    http::Server first(so, {});
    so.port = first.start();
    http::Server second(so, {}); // the same port: cannot bind
    http::Runner::Options o;
    o.ready_file = dir + "/ready";
    bool started = false;
    CHECK_THROWS_AS(runner.run(second, "127.0.0.1", o, [&](int) { started = true; }), Error);
    CHECK_FALSE(started);
    CHECK_FALSE(std::filesystem::exists(dir + "/ready"));
  });
  on_thread([&] {
    http::Runner runner;
    http::ServerOptions so;
    so.port = 0;
    http::Server server(so, {});
    http::Runner::Options o;
    o.ready_file = dir + "/missing/dir/that/is/a/file";
    std::filesystem::create_directories(dir);
    {
      std::ofstream(dir + "/missing") << "x";
    }
    int port = 0;
    CHECK_THROWS_AS(runner.run(server, "127.0.0.1", o, [&](int p) { port = p; }), Error);
    REQUIRE(port > 0);
    CHECK(runner_get(port, "/").status == 0); // the server was stopped on the error path
  });
}

TEST_CASE("acx::http::Runner: tells systemd READY=1 once it serves, RELOADING=1 then READY=1 on a hangup, STOPPING=1")
{
  const TempDir temp;
  NotifySink sink(temp.file("notify"));
  std::vector<std::string> said;
  int reloads = 0;
  on_thread([&] {
    http::Runner runner(true);
    http::ServerOptions so;
    so.port = 0;
    http::Server server(so, {});
    http::Runner::Options o;
    o.on_hangup = [&reloads] { ++reloads; };
    std::thread manager([&] {
      said.push_back(sink.next());
      runner.hangup(); // SIGHUP's way in, without a signal that another test's thread might take
      said.push_back(sink.next());
      said.push_back(sink.next());
      runner.finish();
      said.push_back(sink.next());
    });
    runner.run(server, "127.0.0.1", o, [](int) {});
    manager.join();
  });
  REQUIRE(said.size() == 4);
  CHECK(said[0].starts_with("READY=1\nSTATUS=serving on 127.0.0.1:"));
  CHECK(said[1].starts_with("RELOADING=1\nMONOTONIC_USEC="));
  CHECK(said[2] == "READY=1");
  CHECK(said[3] == "STOPPING=1");
  CHECK(reloads == 1);
}
