#include <chrono>
#include <cstdlib>
#include <doctest/doctest.h>
#include <signal.h>
#include <thread>

#include "acx/util/process.hpp"

using namespace acx;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t)
{
  return std::chrono::duration<double>(Clock::now() - t).count();
}
} // namespace

TEST_CASE("acx::util::run_command: judged by its exit status, and nothing it started outlives it")
{
  SUBCASE("exit 0 with a child still holding stdout: done at once, the child killed")
  {
    const auto start = Clock::now();
    const auto r = util::run_command(
        {"sleep 60 & echo $! >\"$PIDFILE\"; echo done", {{"PIDFILE", "/dev/null"}}, std::chrono::seconds(30), {}});
    CHECK(seconds_since(start) < 20); // not the 60 s the child holds stdout for, nor the 30 s timeout
    CHECK(r.exit_code == 0);
    CHECK_FALSE(r.timed_out);
    CHECK(r.out == "done\n");
    CHECK(r.left_behind);
  }
  SUBCASE("a child that does not hold stdout is killed too")
  {
    const auto r = util::run_command({"sleep 60 >/dev/null 2>&1 & echo $!", {}, std::chrono::seconds(30), {}});
    REQUIRE(r.exit_code == 0);
    CHECK(r.left_behind);
    const int pid = std::atoi(r.out.c_str());
    REQUIRE(pid > 0);
    // Killed (SIGKILL), reaped by init: gone within a moment.
    bool gone = false;
    for (int i = 0; i < 1000 && !gone; ++i) {
      gone = ::kill(pid, 0) != 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(gone);
  }
  SUBCASE("a clean command leaves nothing behind, and its failure is its exit code")
  {
    const auto r = util::run_command({"cat; exit 3", {}, std::chrono::seconds(30), "input"});
    CHECK(r.exit_code == 3);
    CHECK(r.out == "input");
    CHECK_FALSE(r.left_behind);
  }
  SUBCASE("the timeout kills the group")
  {
    const auto start = Clock::now();
    const auto r = util::run_command({"sleep 60", {}, std::chrono::milliseconds(300), {}});
    CHECK(r.timed_out);
    CHECK(r.exit_code == -1);
    CHECK(seconds_since(start) < 20);
  }
  SUBCASE("a stop token abandons it at once")
  {
    std::stop_source stop;
    std::thread t([&stop] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      stop.request_stop();
    });
    const auto start = Clock::now();
    const auto r = util::run_command({"sleep 60", {}, std::chrono::seconds(60), {}}, stop.get_token());
    t.join();
    CHECK(r.abandoned);
    CHECK(seconds_since(start) < 20);
  }
  SUBCASE("variables added, and every secret one removed")
  {
    for (const auto& name : util::secret_variables()) {
      ::setenv(name.c_str(), "hunter2", 1);
    }
    ::setenv("ACX_JOURNAL", "postgresql://acx:pa?ss@db/acx", 1);
    ::setenv("ACX_TEST_PLAIN", "kept", 1);
    const auto r = util::run_command({"env", {{"ACX_EVENT_ID", "e1"}}, std::chrono::seconds(30), {}});
    CHECK(r.out.find("ACX_EVENT_ID=e1\n") != std::string::npos);
    CHECK(r.out.find("ACX_TEST_PLAIN=kept\n") != std::string::npos);
    CHECK(r.out.find("hunter2") == std::string::npos);
    CHECK(r.out.find("pa?ss") == std::string::npos);
    ::setenv("ACX_JOURNAL", "postgresql://acx@db/acx", 1); // no password: nothing to hide
    CHECK(
        util::run_command({"env", {}, std::chrono::seconds(30), {}}).out.find("ACX_JOURNAL=postgresql://acx@db/acx") !=
        std::string::npos);
    for (const auto& name : util::secret_variables()) {
      ::unsetenv(name.c_str());
    }
    ::unsetenv("ACX_JOURNAL");
    ::unsetenv("ACX_TEST_PLAIN");
  }
}
