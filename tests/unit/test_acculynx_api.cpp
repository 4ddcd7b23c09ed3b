#include <doctest/doctest.h>

#include "acx/acculynx/api.hpp"
#include "acx/acculynx/wire.hpp"

using namespace acx::acculynx;
using wire::describe_problem;

TEST_CASE("acx::acculynx::describe_problem")
{
  CHECK(describe_problem(
            404, R"({"type":"x","title":"Not Found","status":404,"detail":"no subscription 7","traceId":"ab12"})") ==
        "Not Found: no subscription 7 (404, ab12)");
  CHECK(describe_problem(412, R"({"title":"Precondition Failed","status":412})") == "Precondition Failed (412)");
  CHECK(describe_problem(400, R"({"detail":"bad consumerUrl"})") == "bad consumerUrl (400)");
  CHECK(describe_problem(502, "<html>Bad Gateway</html>\n") == "the API answered 502: <html>Bad Gateway</html>");
  CHECK(describe_problem(500, "") == "the API answered 500: ");
}

TEST_CASE("acx::acculynx::Api options")
{
  ApiOptions o;
  CHECK_THROWS_WITH(Api{o}, "no API key: give --api-key, set ACX_API_KEY, or store one in the profile");
  o.api_key = "k";
  o.base = "ftp://example.test";
  CHECK_THROWS_WITH(Api{o}, "API base URL 'ftp://example.test': only http and https are supported");
}

TEST_CASE("acx::acculynx::wire: what the client writes, the sandbox reads, and back")
{
  SUBCASE("registration (POST): techContact, as AccuLynx documents it")
  {
    const Registration r{
        "https://example.test/hook?token=t", "ops@example.test", {"job_created", "job_updated"}, "Api"};
    const auto j = wire::to_json(r);
    CHECK(j.dump() == R"({"consumerUrl":"https://example.test/hook?token=t","techContact":"ops@example.test",)"
                      R"("topicNames":["job_created","job_updated"],"integrationType":"Api"})");
    const auto back = wire::registration_from(nlohmann::json::parse(j.dump()));
    CHECK(back.consumer_url == r.consumer_url);
    CHECK(back.contact == r.contact);
    CHECK(back.topics == r.topics);
    CHECK(back.integration_type == "Api");
  }
  SUBCASE("change (PUT): technicalContact; both spellings are read on both calls; a contact left out stays")
  {
    const auto j = wire::to_json(Change{"a@example.test", {"contact_added"}});
    CHECK(j.dump() == R"({"technicalContact":"a@example.test","topicNames":["contact_added"]})");
    CHECK(wire::change_from(nlohmann::json::parse(j.dump()), "old").contact == "a@example.test");
    CHECK(wire::change_from(nlohmann::json::parse(R"({"techContact":"b","topicNames":["x"]})"), "old").contact == "b");
    CHECK(wire::change_from(nlohmann::json::parse(R"({"topicNames":["x"]})"), "old").contact == "old");
    CHECK(wire::registration_from(
              nlohmann::json::parse(R"({"consumerUrl":"u","technicalContact":"c","topicNames":["x"]})"))
              .contact == "c");
  }
  SUBCASE("a subscription (GET): tech_contact and _link; read back whole")
  {
    Subscription s;
    s.id = "7";
    s.consumer_url = "https://example.test/h";
    s.contact = "c@example.test";
    s.topics = {"job_created"};
    s.created = "2026-01-01T00:00:00Z";
    s.modified = "2026-01-02T00:00:00Z";
    const auto j = wire::to_json(s, "http://h/webhooks/v2/subscriptions/7");
    CHECK(j["tech_contact"] == "c@example.test");
    CHECK(j["_link"] == "http://h/webhooks/v2/subscriptions/7");
    const auto back = wire::subscription_from(nlohmann::json::parse(j.dump()));
    CHECK(back.id == s.id);
    CHECK(back.consumer_url == s.consumer_url);
    CHECK(back.contact == s.contact);
    CHECK(back.topics == s.topics);
    CHECK(back.status == "enabled");
    CHECK(back.integration_type == "Api");
    CHECK(back.created == s.created);
    CHECK(back.modified == s.modified);
  }
  SUBCASE("answers are read leniently: wrong types are left empty, not thrown")
  {
    const auto s = wire::subscription_from(nlohmann::json::parse(R"({"id":5,"topicNames":["a",3,null],"status":[]})"));
    CHECK(s.id.empty());
    CHECK(s.topics == std::vector<std::string>{"a"});
    CHECK(s.status.empty());
    CHECK(wire::subscription_from(nlohmann::json::parse("[1]")).id.empty());
    CHECK(wire::created_from(nlohmann::json::parse(R"({"subscriptionId":"x","secret":"whsec_y"})")).secret ==
          "whsec_y");
    CHECK(wire::created_from(nlohmann::json::parse(R"({"id":"x"})")).id == "x");
    CHECK(wire::topic_info_from(nlohmann::json::parse(R"("job_created")")).name == "job_created");
    CHECK(wire::topic_info_from(nlohmann::json::parse(R"({"name":"a","description":"d"})")).description == "d");
  }
  SUBCASE("requests are read strictly: what is wrong, by name")
  {
    auto reg = [](const char* text) { return wire::registration_from(nlohmann::json::parse(text)); };
    CHECK_THROWS_WITH_AS(reg("[]"), "the body must be a JSON object", wire::BadBody);
    CHECK_THROWS_WITH_AS(reg(R"({"consumerUrl":"u"})"), "topicNames must be a non-empty array of topic names",
                         wire::BadBody);
    CHECK_THROWS_WITH_AS(reg(R"({"consumerUrl":"u","topicNames":[]})"),
                         "topicNames must be a non-empty array of topic names", wire::BadBody);
    CHECK_THROWS_WITH_AS(reg(R"({"consumerUrl":"u","topicNames":[1]})"), "topicNames must hold strings, not number",
                         wire::BadBody);
    CHECK_THROWS_WITH_AS(reg(R"({"consumerUrl":7,"topicNames":["a"]})"), "consumerUrl must be a string, not number",
                         wire::BadBody);
    CHECK_THROWS_WITH_AS(reg(R"({"consumerUrl":"u","techContact":{},"topicNames":["a"]})"),
                         "techContact must be a string, not object", wire::BadBody);
    CHECK_THROWS_AS(wire::change_from(nlohmann::json::parse("null"), ""), wire::BadBody);
    CHECK(wire::topic_from(nlohmann::json::parse("[]")).empty());
  }
  SUBCASE("pages and problems")
  {
    CHECK(wire::page_json(3, 2, 0, wire::Json::array({1, 2})).dump() ==
          R"({"count":3,"pageSize":2,"pageStartIndex":0,"items":[1,2]})");
    const auto p = wire::problem_json(404, "Not Found", "no subscription 7", "ab12");
    CHECK(describe_problem(404, p.dump()) == "Not Found: no subscription 7 (404, ab12)");
  }
}

TEST_CASE("acx::acculynx::consumer_url_with_token")
{
  CHECK(consumer_url_with_token("https://e.test/h", "T", TokenPlace::query) == "https://e.test/h?token=T");
  CHECK(consumer_url_with_token("https://e.test/h?a=1", "T", TokenPlace::query) == "https://e.test/h?a=1&token=T");
  CHECK(consumer_url_with_token("https://e.test/h", "T", TokenPlace::path) == "https://e.test/h/T");
  CHECK(consumer_url_with_token("https://e.test/h/", "T", TokenPlace::path) == "https://e.test/h/T");
  CHECK(consumer_url_with_token("https://e.test/h?a=1", "T", TokenPlace::path) == "https://e.test/h/T?a=1");
}
