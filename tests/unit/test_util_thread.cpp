#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>

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
