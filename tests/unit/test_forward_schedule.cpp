#include <doctest/doctest.h>

#include "acx/forward/schedule.hpp"

using namespace acx;
using forward::Schedule;
using std::chrono::seconds;

namespace {

// An accepted event about `job` (its ordering key), journaled as number `seq`.
Schedule::RecordPtr lane_event(std::int64_t seq, const std::string& job)
{
  auto r = std::make_shared<journal::Record>();
  r->seq = seq;
  r->received = {1'000 + seq, 0};
  r->subject = "job:" + job;
  r->topic = "job_created";
  return r;
}

const Schedule::Clock::time_point t0{seconds(100)}; // the schedule's own clock: time only moves when a test says so

} // namespace

TEST_CASE("acx::forward::Schedule: one key's events go one at a time, in journal order, other keys meanwhile")
{
  Schedule s;
  s.add(lane_event(1, "A"), t0);
  s.add(lane_event(2, "A"), t0);
  s.add(lane_event(3, "B"), t0);
  auto a = s.take(t0);
  REQUIRE(a);
  CHECK(a->item.record->seq == 1);
  auto b = s.take(t0);
  REQUIRE(b);
  CHECK(b->item.record->seq == 3); // A is busy: its second event waits, B's goes
  CHECK_FALSE(s.take(t0));         // nothing else is due
  s.finished(a->key, t0);
  auto next = s.take(t0);
  REQUIRE(next);
  CHECK(next->item.record->seq == 2);
  CHECK(next->key == "job:A");
}

TEST_CASE("acx::forward::Schedule: a retry waits its time, holds its lane, and counts the attempt")
{
  Schedule s;
  s.add(lane_event(1, "A"), t0);
  s.add(lane_event(2, "A"), t0);
  auto first = s.take(t0);
  REQUIRE(first);
  s.retry(first->key, t0 + seconds(4));
  CHECK(s.next_due() == t0 + seconds(4));
  CHECK_FALSE(s.take(t0 + seconds(3))); // not yet, and event 2 may not overtake it
  auto again = s.take(t0 + seconds(4));
  REQUIRE(again);
  CHECK(again->item.record->seq == 1);
  CHECK(again->item.attempt == 2);
  s.finished(again->key, t0 + seconds(5));
  auto second = s.take(t0 + seconds(5));
  REQUIRE(second);
  CHECK(second->item.record->seq == 2);
  CHECK(second->item.attempt == 1);
}

TEST_CASE("acx::forward::Schedule: the watermark stays below the first event not yet delivered or dead")
{
  Schedule s;
  CHECK(s.watermark(7) == 7); // nothing waits: everything read is done
  s.add(lane_event(8, "A"), t0);
  s.add(lane_event(9, "B"), t0);
  s.add(lane_event(10, "C"), t0);
  CHECK(s.size() == 3);
  CHECK(s.oldest_received()->seconds == 1'008);
  auto a = s.take(t0);
  auto b = s.take(t0);
  REQUIRE(a);
  REQUIRE(b);
  s.finished(b->key, t0); // 9 done, 8 still out: the watermark cannot pass 8
  CHECK(s.watermark(10) == 7);
  CHECK(s.holds(8));
  CHECK_FALSE(s.holds(9));
  s.finished(a->key, t0);
  CHECK(s.watermark(10) == 9); // 10 waits
  auto c = s.take(t0);
  REQUIRE(c);
  s.finished(c->key, t0);
  CHECK(s.watermark(10) == 10);
  CHECK(s.size() == 0);
  CHECK_FALSE(s.oldest_received());
  CHECK_FALSE(s.next_due());
}

TEST_CASE("acx::forward::Schedule: an event with no subject is ordered by its subscription and topic")
{
  Schedule s;
  auto r1 = std::make_shared<journal::Record>();
  r1->seq = 1;
  r1->subscription_id = "S";
  r1->topic = "contact_added";
  auto r2 = std::make_shared<journal::Record>(*r1);
  r2->seq = 2;
  s.add(r1, t0);
  s.add(r2, t0);
  auto first = s.take(t0);
  REQUIRE(first);
  CHECK(first->key == "subscription:S contact_added");
  CHECK_FALSE(s.take(t0)); // the same key: one at a time
}

TEST_CASE("acx::forward::Schedule::hurry: a lane waiting out a backoff falls due now (acx events retry)")
{
  Schedule s;
  s.add(lane_event(1, "A"), t0);
  s.add(lane_event(2, "A"), t0);
  s.add(lane_event(3, "B"), t0 + seconds(60)); // a previous run's retry, waiting
  auto first = s.take(t0);
  REQUIRE(first);
  CHECK_FALSE(s.hurry(1, t0)); // being tried: nothing to hurry
  s.retry(first->key, t0 + seconds(30));
  CHECK(s.hurry(2, t0 + seconds(1))); // behind event 1: its lane is hurried, its order kept
  auto again = s.take(t0 + seconds(1));
  REQUIRE(again);
  CHECK(again->item.record->seq == 1);
  CHECK(again->item.attempt == 2);
  CHECK(s.hurry(3, t0 + seconds(1)));
  auto b = s.take(t0 + seconds(1));
  REQUIRE(b);
  CHECK(b->item.record->seq == 3);
  CHECK_FALSE(s.hurry(99, t0)); // not here
}

TEST_CASE("acx::forward::Schedule: a reconciled event goes before its lane's waiting events that happened after it")
{
  const auto at = [](std::int64_t seq, const std::string& job, const char* time, bool rebuilt) {
    auto r = std::make_shared<journal::Record>(*lane_event(seq, job));
    r->event_time = time;
    r->remote = rebuilt ? std::string(journal::k_reconciled_remote) : "127.0.0.1";
    return Schedule::RecordPtr(r);
  };
  Schedule s;
  s.add(at(1, "A", "2026-01-01T10:00:00Z", false), t0);
  s.add(at(2, "A", "2026-01-01T10:03:00Z", false), t0);
  s.add(at(3, "A", "2026-01-01T10:04:00Z", false), t0);
  auto first = s.take(t0); // #1 is being handed over: nothing goes before it
  REQUIRE(first);
  s.add(at(4, "A", "2026-01-01T09:00:00Z", true), t0);  // older than all: still after the one in hand
  s.add(at(5, "A", "2026-01-01T10:02:00Z", true), t0);  // between #1 and #2
  s.add(at(6, "A", "2026-01-01T10:05:00Z", true), t0);  // the newest: last
  s.add(at(7, "A", "2026-01-01T10:01:00Z", false), t0); // a real delivery keeps journal order
  std::vector<std::int64_t> order{first->item.record->seq};
  s.finished(first->key, t0);
  while (auto next = s.take(t0)) {
    order.push_back(next->item.record->seq);
    s.finished(next->key, t0);
  }
  CHECK(order == std::vector<std::int64_t>{1, 4, 5, 2, 3, 6, 7});
}
