#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "acx/journal/group_commit.hpp"

using acx::journal::detail::GroupCommit;

TEST_CASE("acx::journal::GroupCommit: items queued while a group commits go in the next group, close() commits what "
          "waits, then refuses")
{
  std::mutex mutex;
  std::vector<std::vector<int>> groups;
  std::atomic<bool> hold{true};
  std::atomic<bool> in_first{false};
  GroupCommit<int> commits({std::chrono::microseconds(0), 1, 100});
  commits.start("acx-test", {[&](std::vector<int>& group) {
                  if (groups.empty()) {
                    in_first = true;
                    while (hold) { // the first group's commit takes a while: what comes meanwhile waits for it
                      std::this_thread::yield();
                    }
                  }
                  std::lock_guard lock(mutex);
                  groups.push_back(group);
                }});
  CHECK(!commits.enqueue(1));
  while (!in_first) {
    std::this_thread::yield();
  }
  for (int i = 2; i <= 5; ++i) {
    CHECK(!commits.enqueue(i));
  }
  hold = false;
  commits.close(); // the four waiting are committed before it returns
  REQUIRE(groups.size() == 2);
  CHECK(groups[0] == std::vector<int>{1});
  CHECK(groups[1] == std::vector<int>{2, 3, 4, 5}); // one group, in order
  const auto refused = commits.enqueue(6);
  REQUIRE(refused);
  CHECK(*refused == "the journal is closed");
}

TEST_CASE("acx::journal::GroupCommit: past max_waiting, enqueue says the journal is busy")
{
  std::atomic<bool> hold{true};
  std::atomic<bool> in_first{false};
  GroupCommit<int> commits({std::chrono::microseconds(0), 1, 2});
  commits.start("acx-test", {[&](std::vector<int>&) {
                  in_first = true;
                  while (hold) {
                    std::this_thread::yield();
                  }
                }});
  CHECK(!commits.enqueue(1));
  while (!in_first) {
    std::this_thread::yield();
  }
  CHECK(!commits.enqueue(2));
  CHECK(!commits.enqueue(3));
  const auto busy = commits.enqueue(4);
  REQUIRE(busy);
  CHECK(busy->find("the journal is busy: 2 records wait") == 0);
  hold = false;
}
