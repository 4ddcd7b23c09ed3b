#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/prune.hpp"

using namespace acx::journal;

namespace {

Record received_at(acx::util::Instant when, int n)
{
  Record r;
  r.received = when;
  r.body = "{\"n\":" + std::to_string(n) + "}";
  r.topic = "job_created";
  r.event_id = "00000000-0000-4000-8000-" + std::string(12 - std::to_string(n).size(), '0') + std::to_string(n);
  return r;
}

acx::util::Instant ago(std::int64_t seconds, std::int32_t ticks = 0)
{
  auto t = acx::util::now();
  t.seconds -= seconds;
  t.ticks = ticks;
  return t;
}

} // namespace

TEST_CASE("acx::journal::Pruner: by age, deliveries committed out of order of their received times")
{
  TempDir dir;
  const std::string path = dir.file("journal.db");
  {
    auto w = Writer::open(path);
    w->append(received_at(ago(60 * 86400), 1));
    w->append(received_at(ago(60 * 86400), 2));
    // #3 received a moment after #4, committed before it (appends from two connections at once).
    w->append(received_at(ago(10, 2000), 3));
    w->append(received_at(ago(10, 1000), 4));
    w->append(received_at(ago(5), 5));
    w->close();
  }
  Retention keep;
  keep.since = ago(30 * 86400);
  auto pruner = Pruner::open(path);
  const auto dry = pruner->prune(keep, true);
  CHECK(dry.deliveries == 2);
  CHECK(dry.below == 3);
  const auto done = pruner->prune(keep, false, "30d");
  CHECK(done.deliveries == 2);
  auto reader = Reader::open(path);
  CHECK(reader->extent().oldest_seq == 3); // #3 stays: it was received within the 30 days
  CHECK(reader->extent().pruned_below == 3);
  CHECK(reader->extent().retention == "30d");
  CHECK(not_found(*reader, "1").find("delivery #1 was pruned") == 0);
}

TEST_CASE("acx::journal::Pruner: a consumer's pending events stay, and the newest delivery always does")
{
  TempDir dir;
  const std::string path = dir.file("journal.db");
  {
    auto w = Writer::open(path);
    for (int i = 1; i <= 10; ++i) {
      w->append(received_at(ago(60 * 86400), i));
    }
    w->close();
  }
  Retention keep;
  keep.since = ago(30 * 86400);
  {
    auto outbox = Outbox::open(path);
    outbox->attach("app", "http://127.0.0.1:9/", "[]", 4, false); // delivered up to #4
  }
  auto pruner = Pruner::open(path);
  auto p = pruner->prune(keep, false);
  CHECK(p.deliveries == 4);
  CHECK(p.kept_back == 5); // #5 to #9; #10, the newest, stays whatever happens
  CHECK(p.kept_for == "app");
  Outbox::open(path)->advance("app", 10);
  p = pruner->prune(keep, false);
  CHECK(p.deliveries == 5);
  CHECK(p.kept_back == 0);
  CHECK(Reader::open(path)->extent().oldest_seq == 10);
}
