#include <doctest/doctest.h>

#include "acx/event/envelope.hpp"

using namespace acx::event;

namespace {

const char* k_seed = R"({"topicNamee": "job-milestone-changed", "eventDateTime": "2023-07-11T22:38:57.1993216Z",
 "eventId": "a653de1a-84a6-488c-90bc-f6c8e990bf51", "subscriptionId": "f30009c1-b6e3-432a-9a0e-6932c9fabdd8",
 "Event": {"jobId": "24732e2b-bc9f-4a7a-a0a3-6200902a6fb4", "companyId": "f218fc64-352c-410d-86b7-36787b88b26e",
  "milestoneId": 3, "milestoneName": "Approved", "companyUserId": "e38c052d-38ef-4bb7-90d3-9868bb623aed",
  "adminId": "d133c31c-78b9-495f-a370-aa2ac43c3545", "message": "This job was approved", "actionLocation": null,
  "milestoneDate": "2023-07-11T22:38:57.0539859Z"}})";

const char* k_live =
    R"({"topicName":"job.milestone.current_changed","eventDateTime":"2026-05-26T14:23:55.4999782Z",)"
    R"("eventId":"6bf46c69-7d2c-4f82-aeea-cbe226e87555","subscriptionId":"f30009c1-b6e3-432a-9a0e-6932c9fabdd8",)"
    R"("event":{"job":{"id":"6513270e-269e-4d37-b2a7-4de452e6b438","milestone":{"id":3,"name":"Approved",)"
    R"("isCurrent":true},"_link":"https://api.acculynx.com/api/v2/jobs/6513270e-269e-4d37-b2a7-4de452e6b438"}}})";

std::vector<std::string> described(const ParsedEnvelope& p)
{
  std::vector<std::string> out;
  for (const auto& problem : p.problems) {
    out.push_back(describe(problem));
  }
  return out;
}

} // namespace

TEST_CASE("acx::event::parse_envelope")
{
  SUBCASE("the seed's documented sample parses exactly as written")
  {
    const auto p = parse_envelope(k_seed);
    REQUIRE(p.envelope);
    CHECK(p.problems.empty());
    CHECK(p.envelope->topic == "job-milestone-changed");
    CHECK(p.envelope->event_id == "a653de1a-84a6-488c-90bc-f6c8e990bf51");
    CHECK(p.envelope->subscription_id == "f30009c1-b6e3-432a-9a0e-6932c9fabdd8");
    CHECK(p.envelope->event_time_text == "2023-07-11T22:38:57.1993216Z");
    CHECK(p.envelope->event_time.ticks == 1993216);
    CHECK(p.envelope->event["milestoneName"] == "Approved");
    CHECK(p.envelope->event["actionLocation"].is_null());
  }
  SUBCASE("the live form parses")
  {
    const auto p = parse_envelope(k_live);
    REQUIRE(p.envelope);
    CHECK(p.problems.empty());
    CHECK(p.envelope->topic == "job.milestone.current_changed");
    CHECK(p.envelope->event["job"]["milestone"]["name"] == "Approved");
  }
  SUBCASE("older spellings: Type, TopicName, EventDateTime, EventId, SubscriptionId")
  {
    const auto p = parse_envelope(
        R"({"Type":"contact_added","EventDateTime":"2026-05-26T14:23:55Z","EventId":"6BF46C69-7D2C-4F82-AEEA-CBE226E87555",)"
        R"("SubscriptionId":"f30009c1-b6e3-432a-9a0e-6932c9fabdd8","Event":{}})");
    REQUIRE(p.envelope);
    CHECK(p.envelope->topic == "contact_added");
    const auto q = parse_envelope(
        R"({"TopicName":"contact_added","type":"Webhook","eventDateTime":"2026-05-26T14:23:55Z",)"
        R"("eventId":"6bf46c69-7d2c-4f82-aeea-cbe226e87555","subscriptionId":"f30009c1-b6e3-432a-9a0e-6932c9fabdd8","event":{}})");
    REQUIRE(q.envelope);
    CHECK(q.envelope->topic == "contact_added");
  }
  SUBCASE("every problem is reported at once, each at its path")
  {
    const auto p = parse_envelope(R"({"topicName": 5, "eventDateTime": "2026-05-26 14:23", "eventId": "nope",)"
                                  R"( "event": []})");
    CHECK_FALSE(p.envelope);
    CHECK(described(p) ==
          std::vector<std::string>{
              "$.topicName: wrong type: expected a topic name string such as \"job.milestone.current_changed\", got "
              "number",
              "$.eventDateTime: not RFC 3339 UTC (expected 'T' between date and time): expected an RFC 3339 UTC time "
              "such as \"2026-05-26T14:23:55.4999782Z\", got \"2026-05-26 14:23\"",
              "$.eventId: not a GUID: expected a GUID such as \"a653de1a-84a6-488c-90bc-f6c8e990bf51\", got \"nope\"",
              "$.subscriptionId: missing field: expected a GUID such as \"f30009c1-b6e3-432a-9a0e-6932c9fabdd8\"",
              "$.event: wrong type: expected an object, got array",
          });
  }
  SUBCASE("an unknown topic is a warning, not an error")
  {
    std::string body = k_live;
    body.replace(body.find("job.milestone.current_changed"), 29, "job.roof.colour_changed");
    const auto p = parse_envelope(body);
    REQUIRE(p.envelope);
    CHECK(described(p) == std::vector<std::string>{"warning: $.topicName: unknown topic \"job.roof.colour_changed\": "
                                                   "not in acx's catalog (AccuLynx may have added it)"});
  }
  SUBCASE("keys that differ only in case are ambiguous")
  {
    std::string body = k_live;
    body.insert(1, R"("EventId":"6bf46c69-7d2c-4f82-aeea-cbe226e87555",)");
    const auto p = parse_envelope(body);
    CHECK_FALSE(p.envelope);
    REQUIRE(p.problems.size() == 1);
    CHECK(describe(p.problems[0]) == "$.eventId: ambiguous: \"EventId\" and \"eventId\" are the same key (keys are "
                                     "matched case-insensitively)");
  }
  SUBCASE("not an object")
  {
    CHECK(described(parse_envelope("[1,2]")) ==
          std::vector<std::string>{"$: wrong type: expected an envelope object, got array"});
    CHECK(described(parse_envelope("\"x\"")) ==
          std::vector<std::string>{"$: wrong type: expected an envelope object, got string"});
  }
  SUBCASE("empty topic and empty object")
  {
    const auto p = parse_envelope("{}");
    CHECK(p.problems.size() == 5);
    CHECK(p.problems[0].path == "$.topicName");
    CHECK(p.problems[0].message.starts_with("missing field"));
  }
}

TEST_CASE("acx::event::parse_envelope hostile input")
{
  SUBCASE("empty body")
  {
    CHECK(described(parse_envelope("")) == std::vector<std::string>{"$: not JSON: the body is empty"});
    CHECK(described(parse_envelope(" \r\n")) == std::vector<std::string>{"$: not JSON: the body is empty"});
  }
  SUBCASE("truncated JSON names line and column")
  {
    const std::string live = k_live;
    const auto p = parse_envelope(live.substr(0, 100));
    CHECK_FALSE(p.envelope);
    REQUIRE(p.problems.size() == 1);
    CHECK(p.problems[0].message.starts_with("not JSON at line 1, column 101: syntax error"));
    const auto q = parse_envelope("{\n  \"a\": 1,\n  \"b\": }");
    CHECK(q.problems[0].message.starts_with("not JSON at line 3, column 8: syntax error while parsing value"));
  }
  SUBCASE("invalid UTF-8 is refused and the message stays printable")
  {
    const auto p = parse_envelope("{\"topicName\": \"job\xff\xfe\"}");
    CHECK_FALSE(p.envelope);
    REQUIRE(p.problems.size() == 1);
    CHECK(p.problems[0].message.find("ill-formed UTF-8") != std::string::npos);
    for (unsigned char c : p.problems[0].message) {
      CHECK((c >= 0x20 && c < 0x7f));
    }
  }
  SUBCASE("a 50 MB body")
  {
    std::string big = k_live;
    big.insert(big.size() - 3, ",\"pad\":\"" + std::string(50u << 20, 'x') + "\"");
    const auto p = parse_envelope(big);
    REQUIRE(p.envelope);
    CHECK(p.envelope->event["job"]["pad"].get_ref<const std::string&>().size() == 50u << 20);
  }
  SUBCASE("nesting 100,000 levels deep is refused without recursion")
  {
    const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
    CHECK(described(parse_envelope(deep)) ==
          std::vector<std::string>{"$: not accepted: nested deeper than 128 levels"});
    std::string deep_obj;
    for (int i = 0; i < 100'000; ++i) {
      deep_obj += "{\"a\":";
    }
    CHECK(parse_envelope(deep_obj).problems.at(0).message == "not accepted: nested deeper than 128 levels");
  }
  SUBCASE("duplicate keys, at their path")
  {
    std::string body = k_live;
    body.insert(1, R"("eventId":"00000000-0000-4000-8000-000000000000",)");
    CHECK(described(parse_envelope(body)) ==
          std::vector<std::string>{"$.eventId: duplicate key: the same key appears twice in one object"});
    const auto nested = parse_envelope(R"({"event":{"job":[{"id":1},{"id":2,"id":3}]}})");
    CHECK(describe(nested.problems.at(0)) ==
          "$.event.job[1].id: duplicate key: the same key appears twice in one object");
  }
  SUBCASE("numbers out of range")
  {
    std::string body = k_live;
    body.replace(body.find("\"id\":3"), 6, "\"id\":1e400");
    const auto p = parse_envelope(body);
    CHECK_FALSE(p.envelope);
    CHECK(p.problems.at(0).message.find("number overflow") != std::string::npos);
    body = k_live;
    body.replace(body.find("\"id\":3"), 6, "\"id\":123456789012345678901234567890");
    CHECK(parse_envelope(body).envelope); // a big integer is a valid (double) number
  }
  SUBCASE("NUL bytes, a lone high surrogate, comments and trailing garbage")
  {
    CHECK_FALSE(parse_envelope(std::string("{\"a\":\"\0\"}", 9)).envelope);
    CHECK_FALSE(parse_envelope(R"({"topicName":"\ud800"})").envelope);
    CHECK_FALSE(parse_envelope("{} // comment").envelope);
    CHECK_FALSE(parse_envelope(std::string(k_live) + "x").envelope);
  }
}

TEST_CASE("acx::event::is_guid")
{
  CHECK(is_guid("a653de1a-84a6-488c-90bc-f6c8e990bf51"));
  CHECK(is_guid("A653DE1A-84A6-488C-90BC-F6C8E990BF51"));
  CHECK_FALSE(is_guid("a653de1a84a6488c90bcf6c8e990bf51"));
  CHECK_FALSE(is_guid("{a653de1a-84a6-488c-90bc-f6c8e990bf51}"));
  CHECK_FALSE(is_guid("g653de1a-84a6-488c-90bc-f6c8e990bf51"));
}

TEST_CASE("acx::event::parse_envelope: no control characters or absurd lengths in the topic")
{
  const std::string live = k_live;
  const auto with_topic = [&](const std::string& topic) {
    std::string body = live;
    const std::string from = "\"job.milestone.current_changed\"";
    body.replace(body.find(from), from.size(), "\"" + topic + "\"");
    return parse_envelope(body);
  };
  // The smuggling attempt: a topic that would end a forwarded header and start a request of its own.
  const auto smuggled =
      with_topic(R"(job_created\r\nX-Injected: yes\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n)");
  CHECK_FALSE(smuggled.envelope);
  REQUIRE(smuggled.problems.size() == 1);
  CHECK(smuggled.problems[0].path == "$.topicName");
  CHECK(smuggled.problems[0].message.starts_with("a control character (CR, LF, tab, NUL, ...) in "));
  for (const char* bad : {R"(a\u0000b)", R"(a\tb)", R"(a\u001bb)", R"(a\u007fb)", R"(a\nb)"}) {
    CAPTURE(bad);
    CHECK_FALSE(with_topic(bad).envelope);
  }
  const auto long_one = with_topic(std::string(201, 'a'));
  CHECK_FALSE(long_one.envelope);
  CHECK(long_one.problems[0].message.starts_with("too long (201 bytes, at most 200)"));
  CHECK(with_topic(std::string(200, 'a')).envelope); // unknown (a warning), not refused
}
