#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <set>

#include "acx/check/report.hpp"

using namespace acx::check;

namespace {

const Check& find(std::string_view id)
{
  for (const auto& c : checks()) {
    if (c.id == id) {
      return c;
    }
  }
  FAIL("no check " << id);
  return checks().front();
}

} // namespace

TEST_CASE("acx::check: every check has a unique kebab-case id, a rule, a source and a plan")
{
  std::set<std::string_view> ids;
  Settings s;
  for (const auto& c : checks()) {
    CHECK(ids.insert(c.id).second);
    CHECK(c.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string_view::npos);
    CHECK_FALSE(c.rule.empty());
    CHECK_FALSE(c.source.empty());
    CHECK(c.planned(s) > 0);
  }
  CHECK(checks().size() == 19);
  CHECK(find("fast-answers").planned(s) == s.burst);
}

TEST_CASE("acx::check reports: JSON and JUnit hold untrusted text safely; the summary counts verdicts")
{
  Sent hostile;
  hostile.what = "an empty body";
  hostile.method = "POST";
  hostile.url = "http://h/hook?token=***";
  hostile.status = 500;
  hostile.answer = "<b>&\"'</b>";
  std::vector<Result> results{
      {&find("malformed-input"), {Grade::fail, "got 500 <&> \x01", {hostile}, "curl 'x' && y < z"}},
      {&find("timestamps"), {Grade::skip, "--scheme token signs no timestamp", {}, {}}},
      {&find("legacy-envelope"), {Grade::warn, "400 & more", {}, {}}},
      {&find("still-serving"), {Grade::pass, "2xx", {}, {}}},
  };
  const Summary s = summarise(results);
  CHECK(s.passed == 1);
  CHECK(s.failed == 1);
  CHECK(s.warned == 1);
  CHECK(s.skipped == 1);

  const auto j = nlohmann::json::parse(json_report({"http://h/hook", "token"}, results));
  CHECK(j["summary"]["failed"] == 1);
  CHECK(j["checks"][0]["id"] == "malformed-input");
  CHECK(j["checks"][0]["requests"][0]["answer"] == "<b>&\"'</b>");
  CHECK(j["checks"][0]["reproduce"] == "curl 'x' && y < z");

  const std::string xml = junit_report({"http://h/hook", "token"}, results);
  CHECK(xml.find("<failure message=\"got 500 &lt;&amp;&gt; \\x01\">") != std::string::npos);
  CHECK(xml.find("y &lt; z") != std::string::npos);
  CHECK(xml.find("<skipped message=\"--scheme token signs no timestamp\"/>") != std::string::npos);
  CHECK(xml.find("<system-out>warning: 400 &amp; more") != std::string::npos);
  CHECK(xml.find("tests=\"4\" failures=\"1\" skipped=\"1\"") != std::string::npos);
  CHECK(xml.find('\x01') == std::string::npos);
}
