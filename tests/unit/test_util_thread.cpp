#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "acx/util/thread.hpp"

using acx::util::Thread;

TEST_CASE("acx::util::Thread: a failure reaches the owner, on that thread and again from join()")
{
  std::atomic<int> told{0};
  std::string what;
  Thread t(
      "acx-test", [] { throw std::runtime_error("the journal went away"); },
      [&](std::exception_ptr e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          what = ex.what();
        }
        ++told;
      });
  CHECK_THROWS_WITH(t.join(), "the journal went away");
  CHECK(told == 1);
  CHECK(what == "the journal went away");
  CHECK_NOTHROW(t.join()); // rethrown once
}

TEST_CASE("acx::util::Thread: work that ends well, wait() never throws, moving keeps the failure with the thread")
{
  std::atomic<bool> ran{false};
  Thread ok(
      "acx-test", [&] { ran = true; }, [](std::exception_ptr) {});
  ok.join();
  CHECK(ran);

  Thread failing(
      "acx-test", [] { throw std::runtime_error("x"); }, [](std::exception_ptr) {});
  failing.wait(); // the failure went to `failed`
  Thread moved = std::move(failing);
  CHECK_THROWS_WITH(moved.join(), "x");
  CHECK_FALSE(moved.joinable());
}

TEST_CASE("acx::util::Thread: request_stop() ends the waits of work that takes a stop token, and pause() with them")
{
  std::atomic<bool> paused_to_the_end{true};
  std::atomic<int> rounds{0};
  Thread t("acx-test", [&](std::stop_token stop) {
    for (;;) {
      ++rounds;
      if (acx::util::pause(stop, std::chrono::hours(1))) { // an hour: only the stop ends it
        paused_to_the_end = false;
        return;
      }
    }
  });
  while (rounds == 0) {
    std::this_thread::yield();
  }
  t.request_stop();
  t.join();
  CHECK(rounds == 1);
  CHECK(!paused_to_the_end);
  std::stop_source never;
  CHECK(!acx::util::pause(never.get_token(), std::chrono::milliseconds(1))); // the time passed, no stop
}
