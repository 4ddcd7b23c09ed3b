#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <filesystem>

#include "acx/contract/contract.hpp"
#include "acx/event/facts.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/journal/journal.hpp"
#include "acx/listen/pipeline.hpp"
#include "acx/present/format.hpp"

using namespace acx;

namespace {

struct Fixture {
  TempDir temp;
  std::string dir = temp.path.string();
  std::unique_ptr<journal::Writer> writer;
  std::shared_ptr<const signing::Scheme> scheme;
  listen::Metrics metrics;
  std::vector<listen::RefusedNote> notes;
  std::unique_ptr<listen::Pipeline> pipeline;

  explicit Fixture(std::set<std::string> subscriptions = {}, std::shared_ptr<const contract::Contract> contract = {},
                   bool refuse_drift = false)
  {
    writer = journal::Writer::open(dir + "/j.db");
    signing::SchemeOptions o;
    o.kind = signing::Kind::token;
    o.secrets.emplace_back("tok");
    scheme = signing::make_scheme(o);
    pipeline = std::make_unique<listen::Pipeline>(
        listen::Pipeline::Admission{scheme, std::move(subscriptions), std::move(contract), refuse_drift}, *writer,
        metrics, [this](const listen::RefusedNote& n) { notes.push_back(n); });
  }

  http::Response post(std::string body, std::string target = "/webhooks/acculynx?token=tok",
                      std::string type = "application/json")
  {
    http::Request r;
    r.method = "POST";
    r.path = "/webhooks/acculynx";
    r.target = std::move(target);
    r.remote = "127.0.0.1:5555";
    r.headers.add("Content-Type", std::move(type));
    r.headers.add("Authorization", "Bearer abc");
    r.body = std::move(body);
    return pipeline->handle(std::move(r));
  }
};

std::string milestone_event()
{
  return std::string(*event::find_fixture("job.milestone.current_changed"));
}

} // namespace

TEST_CASE("acx::listen::Pipeline")
{
  SUBCASE("accepted, then duplicate")
  {
    Fixture f;
    auto r = f.post(milestone_event());
    CHECK(r.status == 200);
    CHECK(r.body == "{\"status\":\"accepted\",\"seq\":1,\"eventId\":\"6bf46c69-7d2c-4f82-aeea-cbe226e87555\"}\n");
    CHECK(f.post(milestone_event()).body.find("\"status\":\"duplicate\"") != std::string::npos);
    CHECK(f.metrics.accepted_count() == 1);
    const auto stored = journal::Reader::open(f.dir + "/j.db")->read({});
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].body == milestone_event());
    CHECK(*stored[0].headers.find("Authorization") == "[redacted]");
  }
  SUBCASE("admit: a new token and allow-list take effect from the next delivery")
  {
    Fixture f({"00000000-0000-4000-8000-000000000000"});
    CHECK(f.post(milestone_event()).status == 403); // its subscriptionId is not on the list
    signing::SchemeOptions o;
    o.kind = signing::Kind::token;
    o.secrets.emplace_back("new-tok");
    f.pipeline->admit({signing::make_scheme(o), {}, {}, false});
    CHECK(f.post(milestone_event()).status == 401); // the old token is no longer accepted
    CHECK(f.post(milestone_event(), "/webhooks/acculynx?token=new-tok").status == 200);
  }
  SUBCASE("eventIds that differ only in case are the same event")
  {
    Fixture f;
    CHECK(f.post(milestone_event()).status == 200);
    std::string upper = milestone_event();
    const std::string id = "6bf46c69-7d2c-4f82-aeea-cbe226e87555";
    upper.replace(upper.find(id), id.size(), "6BF46C69-7D2C-4F82-AEEA-CBE226E87555");
    const auto r = f.post(upper);
    CHECK(r.body == "{\"status\":\"duplicate\",\"seq\":2,\"eventId\":\"" + id + "\"}\n");
    CHECK(f.metrics.accepted_count() == 1);
  }
  SUBCASE("each refusal: status, reason, note, and a refused record")
  {
    Fixture f({"00000000-0000-4000-8000-000000000000"});
    CHECK(f.post(milestone_event(), "/webhooks/acculynx?token=bad").status == 401);
    CHECK(f.post(milestone_event(), "/webhooks/acculynx?token=tok", "text/plain").status == 415);
    auto invalid = f.post("{\"topicName\":1}");
    CHECK(invalid.status == 400);
    CHECK(invalid.body.find("\"error\":\"not a valid AccuLynx envelope (5 problems)\"") != std::string::npos);
    auto other = f.post(milestone_event());
    CHECK(other.status == 403);
    CHECK(other.body.find("\"reason\":\"subscription\"") != std::string::npos);
    REQUIRE(f.notes.size() == 4);
    CHECK(f.notes[0].reason == listen::Refusal::mismatch);
    CHECK(f.notes[1].reason == listen::Refusal::content_type);
    CHECK(f.notes[2].reason == listen::Refusal::invalid);
    CHECK(f.notes[3].reason == listen::Refusal::subscription);
    journal::Query q;
    q.refused = true;
    CHECK(journal::Reader::open(f.dir + "/j.db")->read(q).size() == 4);
    listen::Registry registry;
    f.metrics.write(registry, {});
    const std::string metrics = registry.text();
    CHECK(metrics.find("acx_deliveries_refused_total{reason=\"mismatch\"} 1") != std::string::npos);
    CHECK(metrics.find("acx_deliveries_received_total 4") != std::string::npos);
  }
  SUBCASE("a journal that cannot store answers 503, never 200")
  {
    Fixture f;
    f.writer->close();
    auto r = f.post(milestone_event());
    CHECK(r.status == 503);
    CHECK(*r.headers.find("Retry-After") == "1");
    CHECK(f.metrics.accepted_count() == 0);
  }
}

TEST_CASE("acx::present::format_record")
{
  journal::Record r;
  r.seq = 7;
  r.received = {1779805435, 0};
  r.remote = "127.0.0.1:1";
  r.topic = "job.milestone.current_changed";
  r.event_id = "6bf46c69-7d2c-4f82-aeea-cbe226e87555";
  r.body = milestone_event();
  r.headers_json = "[[\"Content-Type\",\"application/json\"]]";
  auto facts = event::facts(nlohmann::json::parse(r.body)["event"]); // as the pipeline derives them
  r.subject = facts.subject;
  r.gist = facts.gist;

  SUBCASE("json: one line, the envelope embedded as received")
  {
    const auto line = present::format_record(r, present::OutputFormat::json, false);
    CHECK(line.starts_with("{\"seq\":7,\"received\":\"2026-05-26T14:23:55.0000000Z\",\"remote\":\"127.0.0.1:1\","));
    CHECK(line.find("\"headers\":[[\"Content-Type\",\"application/json\"]]") != std::string::npos);
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    const auto parsed = nlohmann::json::parse(line);
    CHECK(parsed["envelope"]["event"]["job"]["milestone"]["name"] == "Approved");
  }
  SUBCASE("raw: the exact bytes")
  {
    CHECK(present::format_record(r, present::OutputFormat::raw, false) == r.body + "\n");
  }
  SUBCASE("pretty: time, seq, topic, gist, subject; colour only when asked")
  {
    const auto plain = present::format_record(r, present::OutputFormat::pretty, false);
    CHECK(plain == "14:23:55 #7 job.milestone.current_changed  milestone Approved  job 6513270e  event 6bf46c69\n");
    CHECK(present::format_record(r, present::OutputFormat::pretty, true).find("\x1b[36m") != std::string::npos);
  }
}

TEST_CASE("acx::listen::Pipeline --contract")
{
  // A new member, a missing required one, and a string where the schema says number.
  auto drifting = [] {
    auto body = nlohmann::json::parse(milestone_event());
    body["event"]["job"]["crew"] = "North";
    body["event"]["job"]["milestone"].erase("isCurrent");
    body["event"]["job"]["milestone"]["id"] = "3";
    return body.dump();
  };
  const auto contract = std::make_shared<const contract::Contract>(contract::SchemaSet::shipped());
  SUBCASE("warn: accepted, its drift journaled and counted")
  {
    Fixture f({}, contract);
    CHECK(f.post(milestone_event()).status == 200);
    CHECK(f.post(drifting()).status == 200);
    const auto stored = journal::Reader::open(f.dir + "/j.db")->read({});
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].drift.empty());
    const auto drift = contract::parse_drift(stored[1].drift);
    REQUIRE(drift.size() == 3);
    CHECK(contract::describe(drift[0]) == ".event.job.milestone.id: type (string, the schema says integer)");
    CHECK(contract::describe(drift[1]) == ".event.job.milestone.isCurrent: missing (required)");
    CHECK(contract::describe(drift[2]) == ".event.job.crew: added (string)");
    journal::Query q;
    q.drift = true;
    CHECK(journal::Reader::open(f.dir + "/j.db")->read(q).size() == 1);
    listen::Registry registry;
    f.metrics.write(registry, {});
    const std::string metrics = registry.text();
    CHECK(metrics.find("acx_contract_drift_total{topic=\"job.milestone.current_changed\",kind=\"added\"} 1") !=
          std::string::npos);
    CHECK(metrics.find("kind=\"missing\"} 1") != std::string::npos);
    CHECK(metrics.find("kind=\"type\"} 1") != std::string::npos);
  }
  SUBCASE("refuse: 422 naming the path; what conforms is accepted")
  {
    Fixture f({}, contract, true);
    auto r = f.post(drifting());
    CHECK(r.status == 422);
    CHECK(r.body.find("\"reason\":\"contract\"") != std::string::npos);
    CHECK(r.body.find(".event.job.milestone.id: type (string, the schema says integer)") != std::string::npos);
    CHECK(r.body.find("\"path\":\".event.job.crew\"") != std::string::npos);
    CHECK(f.post(milestone_event()).status == 200);
  }
  SUBCASE("off: nothing checked, nothing recorded")
  {
    Fixture f;
    CHECK(f.post(drifting()).status == 200);
    CHECK(journal::Reader::open(f.dir + "/j.db")->read({})[0].drift.empty());
  }
}
