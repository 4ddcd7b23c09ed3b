#include <doctest/doctest.h>

#include "acx/contract/contract.hpp"
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
