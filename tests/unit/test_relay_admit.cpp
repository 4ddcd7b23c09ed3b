#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "acx/event/fixtures.hpp"
#include "acx/relay/admit.hpp"

using namespace acx;

namespace {

const util::Instant k_now{1'800'000'000, 0};

// A relayed delivery of the job_created fixture, as an honest relay names it.
relay::Delivery valid()
{
  relay::Delivery d;
  d.seq = 7;
  d.received = k_now;
  d.body = std::string(*event::find_fixture("job_created"));
  const auto envelope = nlohmann::json::parse(d.body);
  d.event_id = envelope["eventId"].get<std::string>();
  d.topic = envelope["topicName"].get<std::string>();
  d.path = "/webhooks/acculynx";
  d.headers = {{"Content-Type", "application/json"}};
  return d;
}

std::string_view refused(const relay::Delivery& d, relay::Admission limits = {})
{
  const auto a = relay::admit(d, limits, "relay.example", k_now);
  return a.record ? std::string_view("admitted") : a.refused.reason;
}

} // namespace

TEST_CASE("acx::relay::admit: a relayed delivery meets the checks a direct one does")
{
  SUBCASE("a valid one is kept with the facts derived from its body, never the relay's")
  {
    const auto a = relay::admit(valid(), {}, "relay.example", k_now);
    REQUIRE(a.record);
    CHECK(a.record->relay_seq == 7);
    CHECK(a.record->remote == "relay.example");
    CHECK(a.record->status == journal::Status::accepted);
    const auto envelope = nlohmann::json::parse(a.record->body);
    CHECK(a.record->subscription_id == envelope["subscriptionId"].get<std::string>());
    CHECK(a.record->topic == envelope["topicName"].get<std::string>());
    CHECK_FALSE(a.record->event_time.empty());
    CHECK_FALSE(a.record->subject.empty()); // the job it is about, from the body
  }
  SUBCASE("each reason")
  {
    auto d = valid();
    d.body = "not json";
    CHECK(refused(d) == "invalid");
    d = valid();
    d.event_id = "../../etc/passwd";
    CHECK(refused(d) == "mismatch");
    d = valid();
    d.topic = std::string(6000, 't');
    CHECK(refused(d) == "mismatch");
    d = valid();
    relay::Admission small;
    small.max_body = d.body.size() - 1;
    CHECK(refused(d, small) == "too_large");
    d = valid();
    for (int i = 0; i < 101; ++i) {
      d.headers.add("X-H" + std::to_string(i), "v");
    }
    CHECK(refused(d) == "headers");
    d = valid();
    d.headers.add("X-Big", std::string(9000, 'v'));
    CHECK(refused(d) == "headers");
    d = valid();
    d.headers.add("X-Split", "a\r\nX-Injected: 1");
    CHECK(refused(d) == "headers");
    d = valid();
    d.received = {k_now.seconds + 301, 0};
    CHECK(refused(d) == "time");
    d.received = {k_now.seconds + 299, 0}; // a small skew is fine
    CHECK(refused(d) == "admitted");
    for (const char* path : {"", "webhooks", "/a\r\nb", "/a\x1b[31m"}) {
      d = valid();
      d.path = path;
      CHECK_MESSAGE(refused(d) == "path", path);
    }
  }
  SUBCASE("eventIds compare without regard to case, as GUIDs do")
  {
    auto d = valid();
    for (auto& c : d.event_id) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    CHECK(refused(d) == "admitted");
  }
}

TEST_CASE("acx::relay::admit: with the laptop's --contract, a relayed delivery's drift is recorded, never refused")
{
  relay::Admission limits;
  limits.contract = std::make_shared<const contract::Contract>(contract::SchemaSet::shipped());
  auto d = valid();
  auto body = nlohmann::json::parse(d.body);
  body["event"]["job"]["crew"] = "North";
  d.body = body.dump();
  const auto a = relay::admit(d, limits, "relay.example", k_now);
  REQUIRE(a.record);
  CHECK(a.record->drift == R"([{"kind":"added","path":".event.job.crew","detail":"string"}])");
  CHECK(relay::admit(valid(), limits, "relay.example", k_now).record->drift.empty());
}
