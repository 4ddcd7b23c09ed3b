#include <algorithm>
#include <doctest/doctest.h>
#include <fstream>

#include "temp_dir.hpp"

#include "acx/contract/contract.hpp"
#include "acx/contract/diff.hpp"
#include "acx/contract/learn.hpp"
#include "acx/contract/vary.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/event/topics.hpp"

using namespace acx;

TEST_CASE("acx::contract: every fixture conforms to its topic's shipped schema")
{
  const contract::Contract c(contract::SchemaSet::shipped());
  for (const auto& t : event::topics()) {
    CAPTURE(t.name);
    REQUIRE(contract::SchemaSet::shipped().find(t.name) != nullptr);
    const auto body = nlohmann::json::parse(*event::find_fixture(t.name));
    const auto drift = c.check(t.name, body);
    CHECK(contract::drift_text(drift) == "");
  }
}

TEST_CASE("acx::contract::Contract::check")
{
  const contract::Contract c(contract::SchemaSet::shipped());
  auto body = nlohmann::json::parse(*event::find_fixture("job.trade-type_changed"));
  SUBCASE("items of an array under one path, each (kind, path) once")
  {
    body["event"]["job"]["tradeTypes"][0]["id"] = "one";
    body["event"]["job"]["tradeTypes"][1]["id"] = "five";
    body["event"]["job"]["tradeTypes"][1]["code"] = "G";
    const auto drift = c.check("job.trade-type_changed", body);
    REQUIRE(drift.size() == 2);
    CHECK(contract::describe(drift[0]) == ".event.job.tradeTypes[].id: type (string, the schema says integer)");
    CHECK(contract::describe(drift[1]) == ".event.job.tradeTypes[].code: added (string)");
  }
  SUBCASE("formats: uuid, date-time, uri")
  {
    body["eventId"] = "not-a-guid";
    body["eventDateTime"] = "yesterday";
    body["event"]["job"]["_link"] = "/jobs/1";
    const auto drift = c.check("job.trade-type_changed", body);
    REQUIRE(drift.size() == 3);
    CHECK(contract::describe(drift[0]) == ".event.job._link: format (not a uri)");
    CHECK(contract::describe(drift[1]) == ".eventDateTime: format (not a date-time)");
    CHECK(contract::describe(drift[2]) == ".eventId: format (not a uuid)");
  }
  SUBCASE("a null where an object is required, an odd key, an unknown topic")
  {
    body["event"]["job"] = nullptr;
    body["odd key"] = 1;
    const auto drift = c.check("job.trade-type_changed", body);
    REQUIRE(drift.size() == 2);
    CHECK(contract::describe(drift[0]) == ".event.job: type (null, the schema says object)");
    CHECK(contract::describe(drift[1]) == ".[\"odd key\"]: added (integer)");
    CHECK(contract::describe(c.check("job.roof_inspected", body).at(0)) ==
          ".topicName: topic (no schema describes job.roof_inspected)");
  }
  SUBCASE("drift text survives the journal, and a hostile one reads as what it can")
  {
    const contract::Drift d{{contract::Kind::format, ".a", "not a uuid"}, {contract::Kind::added, ".b\"", ""}};
    CHECK(contract::parse_drift(contract::drift_text(d)) == d);
    CHECK(contract::parse_drift("[{\"kind\":\"nope\",\"path\":\".a\"},{\"kind\":\"added\"},7,").empty());
    CHECK(contract::parse_drift("[{\"kind\":\"type\",\"path\":\".x\",\"detail\":3}]").at(0).detail.empty());
  }
}

TEST_CASE("acx::contract::SchemaSet::load_dir: a bad directory or file is an error that names it")
{
  const TempDir tmp;
  const std::string dir = tmp.path.string();
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir + "/" + name) << text; };
  CHECK_THROWS_WITH(contract::SchemaSet::load_dir(dir + "/none"),
                    doctest::Contains("cannot read the schema directory"));
  CHECK_THROWS_WITH(contract::SchemaSet::load_dir(dir), doctest::Contains("holds no schema"));
  write("job_created.json", "{\"type\": ");
  CHECK_THROWS_WITH(contract::SchemaSet::load_dir(dir), doctest::Contains("job_created.json: not JSON"));
  write("job_created.json", "[1]");
  CHECK_THROWS_WITH(contract::SchemaSet::load_dir(dir), doctest::Contains("a schema is a JSON object, this is array"));
  write("job_created.json", R"({"x-acx-topic": "job_updated"})");
  CHECK_THROWS_WITH(contract::SchemaSet::load_dir(dir), doctest::Contains("but the file is named for job_created"));
  write("job_created.json", R"({"type": "object", "properties": {"a": {"type": "string"}}})");
  const auto set = contract::SchemaSet::with_dir(dir);
  CHECK(set.find("job_created")->contains("properties"));
  CHECK(*set.find("job_updated") == *contract::SchemaSet::shipped().find("job_updated")); // the shipped one stays
  write("job_updated.json", R"({"type": 5})");
  CHECK_THROWS_WITH(contract::Contract(contract::SchemaSet::load_dir(dir)),
                    doctest::Contains("the schema of job_updated"));
}

TEST_CASE("acx::contract::Learner")
{
  contract::Learner learner({true, 3});
  for (int i = 0; i < 6; ++i) {
    nlohmann::json body{
        {"topicName", "job_updated"},
        {"eventId", "6bf46c69-7d2c-4f82-aeea-cbe226e8755" + std::to_string(i)},
        {"event",
         {{"job", {{"n", i % 2 == 0 ? nlohmann::json(1) : nlohmann::json(1.5)}, {"kind", i % 2 == 0 ? "a" : "b"}}}}}};
    if (i < 3) {
      body["event"]["job"]["sometimes"] = nullptr;
    }
    learner.add("job_updated", body);
  }
  CHECK(learner.count("job_updated") == 6);
  const auto schema = *learner.schemas().find("job_updated");
  const auto& job = schema["properties"]["event"]["properties"]["job"];
  CHECK(schema["properties"]["topicName"]["const"] == "job_updated");
  CHECK(schema["properties"]["eventId"]["format"] == "uuid");
  CHECK(job["properties"]["n"]["type"] == "number");
  CHECK(job["properties"]["kind"]["enum"] == nlohmann::ordered_json::array({"a", "b"}));
  CHECK(job["required"] == nlohmann::ordered_json::array({"kind", "n"})); // not "sometimes"
  CHECK(job["additionalProperties"] == true);
}

TEST_CASE("acx::contract::diff: breaking as a receiver sees it")
{
  const auto before = nlohmann::ordered_json::parse(R"({"type":"object","required":["a","b"],"properties":{
    "a":{"type":"string","format":"uuid"},"b":{"type":"integer"},"c":{"type":"string","enum":["x"]},"d":{"type":"number"}}})");
  const auto after = nlohmann::ordered_json::parse(R"({"type":"object","required":["a","e"],"properties":{
    "a":{"type":"string"},"c":{"type":"string","enum":["x","y"]},"d":{"type":"integer"},"e":{"type":"string"}}})");
  const auto changes = contract::diff("t", before, after);
  auto find = [&](const std::string& path, contract::Change::What w) {
    const auto it =
        std::find_if(changes.begin(), changes.end(), [&](const auto& c) { return c.path == path && c.what == w; });
    REQUIRE(it != changes.end());
    return *it;
  };
  using W = contract::Change::What;
  CHECK(find(".a", W::format).breaking);      // uuid -> none
  CHECK(find(".b", W::removed).breaking);     // was required
  CHECK(find(".c", W::values).breaking);      // a value never seen
  CHECK_FALSE(find(".d", W::type).breaking);  // number -> integer: narrower
  CHECK_FALSE(find(".e", W::added).breaking); // a new member: ignorable
  CHECK(contract::diff(contract::SchemaSet::shipped(), contract::SchemaSet::shipped()).empty());
}

TEST_CASE("acx::contract::vary")
{
  auto body = nlohmann::ordered_json::parse(*event::find_fixture("job_created"));
  const auto& set = contract::SchemaSet::shipped();
  auto v = body;
  CHECK(contract::vary(v, "job_created", contract::Variation::null_optional, set) ==
        "set .event.job.jobNumber to null");
  CHECK(v["event"]["job"]["jobNumber"].is_null());
  v = body;
  CHECK(contract::vary(v, "job_created", contract::Variation::absent_optional, set) == "left out .event.job.jobNumber");
  CHECK_FALSE(v["event"]["job"].contains("jobNumber"));
  v = body;
  contract::vary(v, "job_created", contract::Variation::reordered, set);
  CHECK(v.begin().key() == "event");
  CHECK(v["event"]["job"].begin().key() == "_link");
  v = body;
  contract::vary(v, "job_created", contract::Variation::unknown_member, set);
  const contract::Contract c(set);
  const auto drift = c.check("job_created", nlohmann::json(v));
  CHECK(drift.size() == 3); // the root's, the event's and the job's
  CHECK(std::all_of(drift.begin(), drift.end(), [](const auto& d) { return d.kind == contract::Kind::added; }));
  auto milestone = nlohmann::ordered_json::parse(*event::find_fixture("job.milestone.current_changed"));
  CHECK_THROWS_WITH(contract::vary(milestone, "job.milestone.current_changed", contract::Variation::null_optional, set),
                    doctest::Contains("has no optional member"));
}

TEST_CASE("acx::contract::Contract::check: at most 50 differences kept, the rest counted")
{
  const contract::Contract c(contract::SchemaSet::shipped());
  auto body = nlohmann::json::parse(*event::find_fixture("job_created"));
  for (int i = 0; i < 200; ++i) {
    body["event"]["job"]["k" + std::to_string(i)] = i;
  }
  const auto drift = c.check("job_created", body);
  REQUIRE(drift.size() == 51);
  CHECK(drift.back().kind == contract::Kind::more);
  CHECK(contract::describe(drift.back()) == ".: more (150 more not kept (the first 50 are))");
  CHECK(contract::parse_drift(contract::drift_text(drift)) == drift);
}
