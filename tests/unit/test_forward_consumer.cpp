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

TEST_CASE("acx::forward::consumers: /metrics and /healthz labels never hold a query or a command line")
{
  Wanted w;
  w.urls = {"https://app.example/hooks?token=abcdef0123456789&x=1", "https://app.example/hooks?token=other"};
  w.commands = {"/usr/local/bin/handle --api-key s3cret", "handle --other s3cret2"};
  const auto out = consumers(w);
  REQUIRE(out.size() == 4);
  CHECK(out[0].label == "https://app.example:443/hooks");
  CHECK(out[1].label == "https://app.example:443/hooks #2"); // two alike: still two series
  CHECK(out[2].label == "exec handle");
  CHECK(out[3].label == "exec handle #2");
  for (const auto& c : out) {
    CHECK(c.label.find("token") == std::string::npos);
    CHECK(c.label.find("s3cret") == std::string::npos);
  }
  // The journal's key is still the name it always was.
  CHECK(out[2].name == "/usr/local/bin/handle --api-key s3cret");
  Wanted named;
  named.urls = {"https://app.example/hooks?token=t"};
  named.name = "app";
  CHECK(consumers(named).front().label == "app");
}
