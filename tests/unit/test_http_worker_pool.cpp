#include <atomic>
#include <condition_variable>
#include <doctest/doctest.h>
#include <mutex>

#include "acx/http/worker_pool.hpp"

using acx::http::detail::WorkerPool;

TEST_CASE("acx::http::detail::WorkerPool")
{
  SUBCASE("a full queue refuses (the server then answers 503), and what was queued still runs")
  {
    std::mutex mutex;
    std::condition_variable cv;
    bool started = false;
    bool release = false;
    std::atomic<int> ran{0};
    {
      WorkerPool pool(1, 2);
      REQUIRE(pool.try_submit([&] {
        std::unique_lock lock(mutex);
        started = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        ++ran;
      }));
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return started; }); // the one worker is busy, the queue empty
      }
      CHECK(pool.try_submit([&] { ++ran; }));
      CHECK(pool.try_submit([&] { ++ran; }));
      CHECK_FALSE(pool.try_submit([&] { ++ran; })); // two wait already
      {
        std::lock_guard lock(mutex);
        release = true;
      }
      cv.notify_all();
    } // the destructor runs what is queued to the end
    CHECK(ran == 3);
  }
}
