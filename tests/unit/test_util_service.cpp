#include <atomic>
#include <doctest/doctest.h>
#include <stdexcept>

#include "acx/util/service.hpp"

TEST_CASE("acx::util::run_on_threads rethrows a worker's exception on the caller, after every thread is joined")
{
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  auto work = [&] {
    const int me = started++;
    if (me == 2) {
      throw std::runtime_error("worker 2 failed");
    }
    ++finished;
  };
  CHECK_THROWS_WITH(acx::util::run_on_threads(4, work), "worker 2 failed");
  CHECK(started == 4);
  CHECK(finished == 3); // the others ran to the end: nothing was left running or terminated
  started = 0;
  finished = 0;
  CHECK_NOTHROW(acx::util::run_on_threads(0, [&] { ++finished; })); // 0 means the caller alone
  CHECK(finished == 1);
}
