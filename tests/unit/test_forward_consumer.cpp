#include <doctest/doctest.h>

#include "acx/event/facts.hpp"
#include "acx/event/topics.hpp"
#include "acx/forward/consumer.hpp"

using namespace acx::forward;

namespace {

// The key of a record as the listener journals it: its subject derived from the body once (event::subject).
std::string ordering_key(std::string_view body, std::string subscription, std::string topic)
{
  acx::journal::Record r;
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (const auto* event = acx::event::member(json, "event")) {
    r.subject = acx::event::subject(*event);
  }
  r.subscription_id = std::move(subscription);
  r.topic = std::move(topic);
  return acx::forward::ordering_key(r);
}

} // namespace

TEST_CASE("acx::event::topic_wanted: patterns, where '.' also matches '_'")
{
  using acx::event::topic_wanted;
  CHECK(topic_wanted({}, "job_created"));
  CHECK(topic_wanted({"job.*"}, "job.milestone.current_changed"));
  CHECK(topic_wanted({"job.*"}, "job_created")); // every job topic, however AccuLynx spells it
  CHECK(topic_wanted({"job.*"}, "job_updated"));
  CHECK_FALSE(topic_wanted({"job.*"}, "contact_added"));
  CHECK_FALSE(topic_wanted({"job.*"}, "jobs_created"));
  CHECK(topic_wanted({"job*"}, "job_created"));
  CHECK(topic_wanted({"contact_added", "job_?pdated"}, "job_updated"));
  CHECK_FALSE(topic_wanted({"contact_added"}, "contact_changed"));
  CHECK_FALSE(topic_wanted({"job_created"}, "job.created")); // '_' in a pattern is only '_'
  CHECK(topic_wanted({"*"}, ""));
  CHECK(acx::event::unmatched_topic("job.*", "--topic").empty());
  CHECK(acx::event::unmatched_topic("job_creatd", "--topic") ==
        "'job_creatd' (--topic) matches no known topic (did you mean job_created?)");
}

TEST_CASE("acx::forward::ordering_key: the job, the contact, else the subscription and topic")
{
  CHECK(ordering_key(R"({"event":{"job":{"id":"J1"}}})", "S", "job_created") == "job:J1");
  CHECK(ordering_key(R"({"Event":{"JobId":"J2"}})", "S", "job-milestone-changed") == "job:J2"); // legacy form
  CHECK(ordering_key(R"({"event":{"contact":{"id":"C1"}}})", "S", "contact_added") == "contact:C1");
  CHECK(ordering_key(R"({"event":{}})", "S", "x") == "subscription:S x");
  CHECK(ordering_key("not json", "S", "x") == "subscription:S x");
  CHECK(ordering_key(R"({"event":{"job":{"id":5}}})", "S", "x") == "subscription:S x");
}
