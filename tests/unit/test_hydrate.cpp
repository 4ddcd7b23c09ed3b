#include <doctest/doctest.h>

#include "acx/hydrate/hydrator.hpp"

TEST_CASE("acx::hydrate::with_hydrated: the envelope's own bytes, then the member, and anything but an object refused")
{
  using acx::hydrate::with_hydrated;
  const nlohmann::ordered_json added{{"job", {{"id", "j"}}}};
  CHECK(with_hydrated("{\"eventId\":\"e\", \"event\":{}}", added) ==
        "{\"eventId\":\"e\", \"event\":{},\"hydrated\":{\"job\":{\"id\":\"j\"}}}");
  CHECK(with_hydrated("  {\"a\":1}\n", added) == "{\"a\":1,\"hydrated\":{\"job\":{\"id\":\"j\"}}}");
  CHECK(with_hydrated("{ }", nlohmann::ordered_json::object()) == "{\"hydrated\":{}}");
  for (const char* bad : {"", "{", "}", "[1]", "\"{}\"", "null", "{\"a\":1} x"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH(with_hydrated(bad, added), "the event is not a JSON object");
  }
}

TEST_CASE("acx::hydrate::primary_contact: the primary one, else the first, never a throw on another shape")
{
  using acx::hydrate::primary_contact;
  const auto job = [](const char* text) { return nlohmann::json::parse(text); };
  CHECK(primary_contact(job(R"({"contacts":[{"contact":{"id":"a"}},{"isPrimary":true,"contact":{"id":"b"}}]})")) ==
        "b");
  CHECK(primary_contact(job(R"({"contacts":[{"contact":{"id":"a"}}]})")) == "a");
  for (const char* odd : {R"({})", R"({"contacts":null})", R"({"contacts":{}})", R"({"contacts":[]})",
                          R"({"contacts":[1]})", R"({"contacts":[{"contact":"x"}]})",
                          R"({"contacts":[{"isPrimary":"yes","contact":{"id":5}}]})", R"({"contacts":[{}]})"}) {
    CAPTURE(odd);
    CHECK(primary_contact(job(odd)).empty());
  }
}
