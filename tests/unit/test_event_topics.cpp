#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "acx/event/envelope.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/event/topics.hpp"
#include "acx/sqlite/sqlite.hpp"

using namespace acx::event;

TEST_CASE("acx::event::topics")
{
  CHECK(topics().size() == 23);
  std::size_t legacy = 0;
  std::set<std::string_view> names;
  for (const auto& t : topics()) {
    legacy += t.legacy ? 1 : 0;
    names.insert(t.name);
    CHECK(!t.description.empty());
    CHECK(!t.description.empty());
  }
  CHECK(legacy == 1);
  CHECK(names.size() == 23);
  CHECK(find_topic("job.milestone.current_changed"));
  CHECK(find_topic("job-milestone-changed")->legacy);
  CHECK_FALSE(find_topic("Job.Milestone.Current_Changed"));
}

TEST_CASE("acx::event::fixtures")
{
  SUBCASE("every topic has a fixture that parses cleanly as that topic")
  {
    CHECK(fixture_topics().size() == topics().size());
    for (const auto& t : topics()) {
      CAPTURE(t.name);
      const auto f = find_fixture(t.name);
      REQUIRE(f);
      const auto p = parse_envelope(*f);
      REQUIRE(p.envelope);
      CHECK(p.problems.empty());
      CHECK(p.envelope->topic == t.name);
    }
  }
  SUBCASE("job.contacts.primary_changed sends event.Job with a capital J")
  {
    const auto p = parse_envelope(*find_fixture("job.contacts.primary_changed"));
    CHECK(p.envelope->event.contains("Job"));
  }
  SUBCASE("freshen replaces eventId and eventDateTime and keeps the rest in order")
  {
    const auto original = *find_fixture("job-milestone-changed");
    const auto fresh = freshen(original, {1779805435, 4999782});
    const auto p = parse_envelope(fresh);
    REQUIRE(p.envelope);
    CHECK(p.envelope->event_time_text == "2026-05-26T14:23:55.4999782Z");
    CHECK(p.envelope->event_id != "a653de1a-84a6-488c-90bc-f6c8e990bf51");
    CHECK(fresh.find("\"topicNamee\"") < fresh.find("\"eventDateTime\""));
    CHECK(fresh.find("\"Event\"") != std::string::npos);
  }
  SUBCASE("freshen refuses what is not an object")
  {
    CHECK_THROWS_WITH(freshen("[1]", {}), "the fixture is not an envelope: expected a JSON object");
    CHECK_THROWS_WITH(freshen("{", {}), "the fixture is not JSON");
  }
}

TEST_CASE("acx::event::topic_glob and topic_regex: the journal's queries take a topic pattern by the one rule")
{
  CHECK(topic_glob("job.*") == "job[._]*");
  CHECK(topic_glob("a[b") == "a[[]b");
  CHECK(topic_regex("job.*") == "^job[._].*$");
  CHECK(topic_regex("contact_?dded") == "^contact_.dded$");
  CHECK(topic_regex("a+b") == "^a\\+b$");
  acx::sqlite::Database db(":memory:", false);
  const std::vector<std::string> patterns{
      "job.*",  "job_created", "job.milestone.current_changed", "*changed", "contact_?dded", "*", "j?b*", "nothing",
      "job.[x", "*.*.*"};
  for (const auto& pattern : patterns) {
    const std::regex regex(topic_regex(pattern));
    for (const auto& t : topics()) {
      const std::string name(t.name);
      acx::sqlite::Statement st(db, "SELECT ?1 GLOB ?2");
      st.bind(1, name).bind(2, topic_glob(pattern));
      REQUIRE(st.step());
      INFO(pattern, " ", name);
      CHECK((st.int64(0) == 1) == topic_matches(pattern, name));
      CHECK(std::regex_match(name, regex) == topic_matches(pattern, name));
    }
  }
}
