#include <doctest/doctest.h>

#include "acx/relay/wire.hpp"
#include "acx/util/error.hpp"

using namespace acx;

namespace {

journal::Record record()
{
  journal::Record r;
  r.seq = 42;
  r.received = *util::parse_rfc3339_utc("2026-11-30T12:00:00.5Z");
  r.event_id = "3a493b20-47d0-487a-bac5-e3a18fd23fcb";
  r.topic = "job_created";
  r.headers = {{"Content-Type", "application/json"},
               {"Authorization", "Bearer delivery-secret"},
               {"X-Api-Key", "k"},
               {"X-Custom-Key", "k2"},
               {"X-Session-Id", "s"},
               {"X-Forwarded-For", "203.0.113.7"},
               {"Forwarded", "for=203.0.113.7"},
               {"X-Real-IP", "203.0.113.7"},
               {"X-Odd", "caf\xc3\xa9 \"quoted\"\n"}};
  r.body = std::string("{\"a\":1}\r\n\0\xff tail", 16);
  return r;
}

std::vector<relay::Event> read_all(const std::string& stream, std::size_t piece)
{
  relay::EventReader reader(1 << 20);
  std::vector<relay::Event> out;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    for (auto& e : reader.feed(std::string_view(stream).substr(at, piece))) {
      out.push_back(std::move(e));
    }
  }
  return out;
}

} // namespace

TEST_CASE("acx::relay wire: what the relay sends is what a laptop reads, byte for byte")
{
  const std::string stream = relay::hello_event(7, 42, 40, std::chrono::milliseconds(2500)) + relay::keep_alive() +
                             relay::delivery_event(record(), "/hook") + relay::gap_event({42, 50});
  for (std::size_t piece = 1; piece <= stream.size(); piece += piece < 8 ? 1 : 97) { // split anywhere
    const auto events = read_all(stream, piece);
    REQUIRE(events.size() == 3);
    CHECK(events[0].type == "hello");
    std::string why;
    const auto hello = relay::parse_hello(events[0].data, why);
    REQUIRE(hello);
    CHECK(hello->first == 7);
    CHECK(hello->last == 42);
    CHECK(hello->after == 40);
    CHECK(hello->keep_alive == std::chrono::milliseconds(2500));
    CHECK(events[1].type == "delivery");
    CHECK(events[1].id == "42");
    const auto d = relay::parse_delivery(events[1].data, why);
    REQUIRE_MESSAGE(d, why);
    CHECK(d->seq == 42);
    CHECK(d->body == record().body);
    CHECK(d->event_id == record().event_id);
    CHECK(d->topic == "job_created");
    CHECK(d->path == "/hook");
    CHECK(util::format_rfc3339(d->received) == util::format_rfc3339(record().received));
    // Credentials never leave the relay; every other header does, as it was.
    CHECK(d->headers.find("Authorization") == nullptr);
    for (const char* name :
         {"X-Api-Key", "X-Custom-Key", "X-Session-Id", "X-Forwarded-For", "Forwarded", "X-Real-IP"}) {
      CHECK_MESSAGE(d->headers.find(name) == nullptr, name);
    }
    REQUIRE(d->headers.find("X-Odd") != nullptr);
    CHECK(*d->headers.find("X-Odd") == "caf\xc3\xa9 \"quoted\"\n");
    const auto gap = relay::parse_gap(events[2].data, why);
    REQUIRE(gap);
    CHECK(gap->missing() == 7);
  }
}

TEST_CASE("acx::relay wire: the event stream's line endings, comments and fields")
{
  const auto events = read_all("event: a\r\ndata: one\rdata:two\n\n: comment\n\nid: 9\nretry: 5\nunknown\ndata\n\n", 3);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "a");
  CHECK(events[0].data == "one\ntwo");
  CHECK(events[1].type == "message");
  CHECK(events[1].id == "9");
  CHECK(events[1].data.empty());
}

TEST_CASE("acx::relay wire: hostile and broken input")
{
  SUBCASE("a line without end past the limit is dropped as it comes, not a growing buffer")
  {
    relay::EventReader reader(64);
    CHECK(reader.feed("data: short\n\n").size() == 1);
    CHECK(reader.feed("id: 7\nevent: delivery\ndata: ").empty());
    for (int i = 0; i < 1000; ++i) {
      CHECK(reader.feed(std::string(1000, 'x')).empty());
      REQUIRE(reader.buffered() <= 64);
    }
    const auto events = reader.feed("\n\ndata: after\n\n");
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == "delivery");
    CHECK(events[0].id == "7");
    CHECK(events[0].data.empty());
    CHECK(events[0].dropped > 1000000);
    CHECK(events[1].data == "after"); // the stream goes on
    CHECK(events[1].dropped == 0);
  }
  SUBCASE("endless data lines without the blank line: the event is bounded, not the line")
  {
    relay::EventReader reader(1000);
    CHECK(reader.feed("event: delivery\n").empty());
    for (int i = 0; i < 10000; ++i) {
      REQUIRE(reader.feed("data: 0123456789abcdef\n").empty());
      REQUIRE(reader.buffered() <= 1000);
    }
    const auto events = reader.feed("\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data.empty());
    CHECK(events[0].dropped >= 160000);
  }
  SUBCASE("an event of exactly the limit's bytes is kept; one byte more is dropped")
  {
    relay::EventReader reader(16); // the raw line "data: 0123456789"
    auto at = reader.feed("data: 0123456789\n\n");
    REQUIRE(at.size() == 1);
    CHECK(at[0].data == "0123456789");
    auto over = reader.feed("data: 0123456789a\n\n");
    REQUIRE(over.size() == 1);
    CHECK(over[0].data.empty());
    CHECK(over[0].dropped == 17);
  }
  SUBCASE("an event whose first line alone is over the limit, fed whole or in pieces: the same (found by fuzzing)")
  {
    const std::string stream = "event: " + std::string(100, 'g') + "\n\ndata: after\n\n";
    for (std::size_t piece : {stream.size(), std::size_t{8}}) {
      relay::EventReader reader(64);
      std::vector<relay::Event> events;
      for (std::size_t at = 0; at < stream.size(); at += piece) {
        for (auto& e : reader.feed(std::string_view(stream).substr(at, piece))) {
          events.push_back(std::move(e));
        }
      }
      REQUIRE(events.size() == 2);
      CHECK(events[0].type == "message"); // the over-long line was not taken
      CHECK(events[0].dropped == 107);
      CHECK(events[1].data == "after");
    }
  }
  SUBCASE("linear: a 4 MiB line in 1-byte pieces")
  {
    relay::EventReader reader(8u << 20);
    reader.feed("data: ");
    const std::string byte = "x";
    for (std::size_t i = 0; i < (4u << 20); ++i) {
      reader.feed(byte); // quadratic, this would take hours
    }
    const auto events = reader.feed("\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data.size() == (4u << 20));
  }
  SUBCASE("data that is not a delivery says why")
  {
    std::string why;
    CHECK_FALSE(relay::parse_delivery("not json", why));
    CHECK(why == "not a JSON object");
    CHECK_FALSE(relay::parse_delivery("[1]", why));
    CHECK_FALSE(relay::parse_delivery(R"({"seq":-1})", why));
    CHECK(why.find("seq") != std::string::npos);
    CHECK_FALSE(relay::parse_delivery(
        R"({"seq":1,"received":"x","eventId":"e","topic":"t","path":"/","headers":[],"body":""})", why));
    CHECK(why.find("received") != std::string::npos);
    CHECK_FALSE(relay::parse_delivery(
        R"({"seq":1,"received":"2026-11-30T12:00:00Z","eventId":"e","topic":"t","path":"/","headers":[],"body":"%%"})",
        why));
    CHECK(why.find("base64") != std::string::npos);
    CHECK_FALSE(relay::parse_delivery(
        R"({"seq":1,"received":"2026-11-30T12:00:00Z","eventId":"e","topic":"t","path":"/","headers":[["a"]],"body":""})",
        why));
    CHECK(why.find("pairs") != std::string::npos);
    CHECK_FALSE(relay::parse_gap(R"({"after":5,"first":5})", why));
    CHECK_FALSE(relay::parse_hello(R"({"first":"1","last":2})", why));
  }
}

TEST_CASE("acx::relay wire: a hello's keep-alive is believed only when it is a sane number of seconds")
{
  std::string why;
  for (const char* bad : {R"({"first":1,"last":2,"keepAlive":-1})", R"({"first":1,"last":2,"keepAlive":"15"})",
                          R"({"first":1,"last":2,"keepAlive":1e300})", R"({"first":1,"last":2,"keepAlive":0})"}) {
    const auto hello = relay::parse_hello(bad, why);
    REQUIRE(hello);
    CHECK_FALSE(hello->keep_alive);
  }
  const auto old = relay::parse_hello(R"({"first":1,"last":2})", why); // a relay from before it said
  REQUIRE(old);
  CHECK_FALSE(old->keep_alive);
  CHECK(relay::hello_event(1, 2, 0).starts_with("retry: 2000\nevent: hello\n"));
}
