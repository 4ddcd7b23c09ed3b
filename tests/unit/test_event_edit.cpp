#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <filesystem>
#include <fstream>

#include "acx/event/edit.hpp"
#include "acx/event/source.hpp"
#include "acx/util/error.hpp"
#include "acx/util/url.hpp"

using namespace acx;

TEST_CASE("acx::event::apply_assignment")
{
  auto doc = event::parse_editable(R"({"topicName":"x","event":{"Job":{"tags":[1,2]}}})", "test");
  event::apply_assignment(doc, "event.job.milestone.name=Approved");
  CHECK(doc["event"]["Job"]["milestone"]["name"] == "Approved"); // existing keys match in any case
  event::apply_assignment(doc, "event.Job.milestone.id=3");
  CHECK(doc["event"]["Job"]["milestone"]["id"] == 3);
  event::apply_assignment(doc, "event.Job.tags.1=\"two\"");
  CHECK(doc["event"]["Job"]["tags"][1] == "two");
  event::apply_assignment(doc, "note=a=b");
  CHECK(doc["note"] == "a=b");
  event::apply_assignment(doc, "flag=true");
  CHECK(doc["flag"] == true);
  CHECK_THROWS_WITH(event::apply_assignment(doc, "novalue"), doctest::Contains("expected PATH=VALUE"));
  CHECK_THROWS_WITH(event::apply_assignment(doc, "=1"), doctest::Contains("expected PATH=VALUE"));
  CHECK_THROWS_WITH(event::apply_assignment(doc, "a..b=1"), doctest::Contains("empty path segment"));
  CHECK_THROWS_WITH(event::apply_assignment(doc, "topicName.x=1"),
                    "--set 'topicName.x': 'x' is inside a string, not an object");
  CHECK_THROWS_WITH(event::apply_assignment(doc, "event.Job.tags.9=1"), doctest::Contains("index 9 is past the end"));
  CHECK(event::serialize(doc, event::Layout::compact).starts_with("{\"topicName\":\"x\",\"event\":"));
}

TEST_CASE("acx::event::load_sources")
{
  const TempDir temp;
  const std::filesystem::path& dir = temp.path;
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  SUBCASE("a topic, a file, JSON lines and an export line")
  {
    const auto file = write("one.json", "{\"topicName\":\"a\"}");
    const auto lines = write("many.jsonl", "{\"a\":1}\n\n{\"a\":2}\n");
    const auto exp = write("export.jsonl", R"({"seq":1,"headers":[["X-A","1"]],"envelope":{"topicName":"b"}})"
                                           "\n");
    const auto events = event::load_sources({"contact_added", file, lines, exp});
    REQUIRE(events.size() == 5);
    CHECK(events[0].origin == "fixture contact_added");
    CHECK(events[1].body == "{\"topicName\":\"a\"}");
    CHECK(events[3].origin == lines + " line 3");
    CHECK(events[4].body == "{\"topicName\":\"b\"}");
    CHECK(*events[4].headers.find("x-a") == "1");
  }
  SUBCASE("a directory, in name order")
  {
    write("b.json", "{\"n\":2}");
    write("a.json", "{\"n\":1}");
    write("skip.txt", "x");
    const auto events = event::load_sources({dir.string()});
    REQUIRE(events.size() == 2);
    CHECK(events[0].body == "{\"n\":1}");
  }
  SUBCASE("errors name what is wrong")
  {
    CHECK_THROWS_WITH(event::load_sources({"no.such.topic"}), doctest::Contains("neither a file nor a topic"));
    const auto arr = write("arr.json", "[1]");
    CHECK_THROWS_WITH(event::load_sources({arr}), doctest::Contains("is not an envelope"));
    const auto bad = write("bad.jsonl", "{\"a\":1}\nnope\n");
    CHECK_THROWS_WITH(event::load_sources({bad}), doctest::Contains("line 2: not a JSON object"));
    const auto empty = write("empty.json", "\n");
    CHECK_THROWS_WITH(event::load_sources({empty}), doctest::Contains("holds no event"));
  }
}

TEST_CASE("acx::util::parse_url")
{
  auto u = util::parse_url("http://127.0.0.1:8787/webhooks/acculynx?token=x#frag");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 8787);
  CHECK(u->target == "/webhooks/acculynx?token=x");
  CHECK(u->origin() == "http://127.0.0.1:8787");
  CHECK(util::parse_url("https://example.test")->port == 443);
  CHECK(util::parse_url("https://example.test")->target == "/");
  CHECK(util::parse_url("http://h?x=1")->target == "/?x=1");
  CHECK(util::parse_url("http://[::1]:9/x")->origin() == "http://[::1]:9");
  std::string why;
  CHECK_FALSE(util::parse_url("ftp://h/x", &why));
  CHECK(why == "only http and https are supported");
  CHECK_FALSE(util::parse_url("h:80/x", &why));
  CHECK_FALSE(util::parse_url("http://:80/x", &why));
  CHECK(why == "no host");
  CHECK_FALSE(util::parse_url("http://h:99999/x", &why));
  CHECK(why == "bad port");
  CHECK_FALSE(util::parse_url("http://user:pw@h/x", &why));
  CHECK_FALSE(util::parse_url("http://[::1/x", &why));
}

TEST_CASE("acx::util::is_loopback_host")
{
  for (const char* host : {"localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"}) {
    CHECK_MESSAGE(util::is_loopback_host(host), host);
  }
  for (const char* host :
       {"", "relay.example.com", "10.0.0.1", "0.0.0.0", "::", "localhost.example.com", "1.127.0.0",
        "127.attacker.example", "127.0.0.1.attacker.example", "127.0.0.256", "127.0.0", "127.0.0.1a"}) {
    CHECK_FALSE_MESSAGE(util::is_loopback_host(host), host);
  }
  CHECK(util::is_loopback_host(util::parse_url("http://[::1]:9/x")->host));
}
