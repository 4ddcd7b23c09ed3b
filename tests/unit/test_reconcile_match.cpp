#include <doctest/doctest.h>

#include "acx/reconcile/reconcile.hpp"

using namespace acx::reconcile;

namespace {
acx::util::Instant at(std::int64_t seconds)
{
  return {1'800'000'000 + seconds, 0};
}
} // namespace

TEST_CASE("acx::reconcile::match: each change takes the nearest delivery of its subject and topic, once")
{
  const Window w{at(0), at(1000)};
  std::vector<Change> changes{
      {"job:a", "job.milestone.current_changed", at(100), "history 1", ""},
      {"job:a", "job.milestone.current_changed", at(101), "history 2", ""}, // two moves a second apart
      {"job:a", "job_created", at(50), "history 0", ""},
      {"job:b", "job_updated", at(200), "history 3", ""}, // never delivered
      {"contact:c", "contact_added", at(300), "createdDate", ""},
  };
  std::vector<Delivery> deliveries{
      {1, "e1", "job_created", "job:a", at(50)},
      {2, "e2", "job.milestone.current_changed", "job:a", at(101)},
      {3, "e3", "job.milestone.current_changed", "job:a", at(100)},
      {4, "e4", "job_updated", "job:b", at(200 + 600)}, // too far from its change: not it
      {5, "e5", "contact_added", "contact:c", at(301)}, // within the tolerance
      {6, "e6", "contact_added", "contact:z", at(400)}, // no change of it: unexplained
      {7, "e7", "job_created", "job:q", at(2000)},      // outside the window: not reported
  };
  const auto r = match(changes, deliveries, w, std::chrono::seconds(120));
  CHECK(r.matched == 4);
  REQUIRE(r.missed.size() == 1);
  CHECK(r.missed[0].subject == "job:b");
  REQUIRE(r.unexplained.size() == 2);
  CHECK(r.unexplained[0].event_id == "e4");
  CHECK(r.unexplained[1].event_id == "e6");
}

TEST_CASE("acx::reconcile::mapping: one table, every topic it names sent by one source")
{
  CHECK(topic_of_action("JobCreated") == "job_created");
  CHECK(topic_of_action("MilestoneChanged") == "job.milestone.current_changed");
  CHECK_FALSE(topic_of_action("NoteAdded"));
  CHECK(mapping().size() == 6);
}

TEST_CASE("acx::reconcile::match: a change never delivered does not take the delivery of the next one like it")
{
  const Window w{at(0), at(1000)};
  std::vector<Change> changes{{"job:a", "job_updated", at(10), "history 1", ""},
                              {"job:a", "job_updated", at(11), "history 2", ""}, // dropped
                              {"job:a", "job_updated", at(12), "history 3", ""}};
  std::vector<Delivery> deliveries{{1, "e1", "job_updated", "job:a", at(10)},
                                   {2, "e3", "job_updated", "job:a", at(12)}};
  const auto r = match(changes, deliveries, w, std::chrono::seconds(120));
  CHECK(r.matched == 2);
  REQUIRE(r.missed.size() == 1);
  CHECK(r.missed[0].source == "history 2");
  CHECK(r.unexplained.empty());
}
