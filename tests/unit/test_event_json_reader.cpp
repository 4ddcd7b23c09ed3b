#include <chrono>
#include <doctest/doctest.h>
#include <string>

#include "acx/event/json_reader.hpp"

using acx::event::pretty_json;

TEST_CASE("acx::event::pretty_json: keys in order, values byte for byte")
{
  CHECK(*pretty_json(R"({"b":1,"a":[1, 2.50, {}],"c":{"x":"y: \"z\", [w]"},"e":[]})") ==
        "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2.50,\n    {}\n  ],\n  \"c\": {\n    \"x\": \"y: \\\"z\\\", [w]\"\n  "
        "},\n"
        "  \"e\": []\n}");
  CHECK(*pretty_json(" \"\\u00e9\" ") == "\"\\u00e9\"");
  CHECK(*pretty_json("[ { } , [ ] ]") == "[\n  {},\n  []\n]");
  CHECK_FALSE(pretty_json("{\"a\":"));
  CHECK_FALSE(pretty_json("not json"));
  CHECK_FALSE(pretty_json(""));
}

TEST_CASE("acx::event::pretty_json: linear, whatever the shape")
{
  // 95,000 keys in one object (ordered_json took 41 s of CPU on it) and 200,000 nested arrays.
  std::string wide = "{";
  for (int i = 0; i < 95'000; ++i) {
    wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  }
  wide += "}";
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  const auto start = std::chrono::steady_clock::now();
  const auto a = pretty_json(wide);
  const auto b = pretty_json(deep);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(a);
  CHECK(a->find("\"k94999\": 94999") != std::string::npos);
  CHECK(b);         // valid JSON, however deep; the indentation grows, but one pass
  CHECK(took < 60); // a bound a quadratic pass would break by far (each is well under a second here, even under ASan)
}
