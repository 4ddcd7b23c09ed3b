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
  CHECK(checks().size() == 20);
  CHECK(find("fast-answers").planned(s) == s.burst);
}

TEST_CASE("acx::check reports: JSON and JUnit hold untrusted text safely, the summary counts verdicts")
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
      {&find("wrong-credential"), {Grade::inconclusive, "the control got 400", {hostile}, {}}},
      {&find("duplicates"), {Grade::not_run, "not run: the receiver stopped answering", {}, {}}},
      {&find("content-type"), {Grade::inconclusive, "text/plain got 401", {}, {}}},
  };
  const Summary s = summarise(results);
  CHECK(s.passed == 1);
  CHECK(s.failed == 1);
  CHECK(s.warned == 1);
  CHECK(s.skipped == 1);
  CHECK(s.inconclusive == 2);
  CHECK(s.unproven == 1); // content-type is only recommended
  CHECK(s.not_run == 1);
  const Subject subject{"http://h/hook", "token", nullptr, {}, false};
  const std::string text = text_details(subject, results, false);
  CHECK(text.find("1 passed, 1 failed, 1 warned, 1 skipped, 2 inconclusive, 1 not run") != std::string::npos);
  CHECK(text.find("INCONCLUSIVE wrong-credential") != std::string::npos);
  CHECK(text_row(results[5], false).starts_with("NOT RUN  required     duplicates"));

  const auto j = nlohmann::json::parse(json_report(subject, results));
  CHECK(j["summary"]["inconclusive"] == 2);
  CHECK(j["summary"]["not_run"] == 1);
  CHECK(j["setup"]["accepted"] == true);
  CHECK(j["checks"][4]["verdict"] == "inconclusive");
  CHECK(j["checks"][5]["verdict"] == "not run");
  CHECK(j["summary"]["failed"] == 1);
  CHECK(j["checks"][0]["id"] == "malformed-input");
  CHECK(j["checks"][0]["requests"][0]["answer"] == "<b>&\"'</b>");
  CHECK(j["checks"][0]["reproduce"] == "curl 'x' && y < z");

  const std::string xml = junit_report(subject, results);
  CHECK(xml.find("<failure message=\"got 500 &lt;&amp;&gt; \\x01\">") != std::string::npos);
  CHECK(xml.find("y &lt; z") != std::string::npos);
  CHECK(xml.find("<skipped>--scheme token signs no timestamp</skipped>") != std::string::npos);
  CHECK(xml.find("<system-out>warning: 400 &amp; more") != std::string::npos);
  CHECK(xml.find("<testsuites name=\"acx check\" tests=\"7\" failures=\"1\" errors=\"2\" time=") != std::string::npos);
  CHECK(xml.find("tests=\"7\" failures=\"1\" errors=\"2\" skipped=\"2\"") != std::string::npos); // the testsuite
  CHECK(xml.find("<error message=\"inconclusive: the control got 400\">") != std::string::npos);
  CHECK(xml.find("<skipped>not run: the receiver stopped answering</skipped>") != std::string::npos);
  CHECK(xml.find('\x01') == std::string::npos);
}

TEST_CASE("acx::check: a rule names the --timeout in force, the setup's refusal names its likely cause")
{
  Settings settings;
  settings.timeout = std::chrono::seconds(3);
  const std::string rule = rule_text(find("every-topic"), &settings);
  CHECK(rule.find("within 3s") != std::string::npos);
  CHECK(rule.find("{timeout}") == std::string::npos);
  CHECK(rule_text(find("every-topic"), nullptr).find("within --timeout") != std::string::npos);

  settings.scheme.kind = acx::signing::Kind::token;
  Sent sent;
  sent.status = 200;
  CHECK(setup_problem(sent, settings).empty());
  sent.status = 401;
  CHECK(setup_problem(sent, settings).find("is --secret the receiver's token") != std::string::npos);
  settings.scheme.kind = acx::signing::Kind::standard;
  CHECK(setup_problem(sent, settings).find("signing secret, and --scheme standard") != std::string::npos);
  sent.status = 404;
  CHECK(setup_problem(sent, settings).find("is the path right?") != std::string::npos);
  sent.status = 400;
  sent.answer = "missing X-Tenant";
  CHECK(setup_problem(sent, settings).find("('missing X-Tenant'): does the receiver want a header") !=
        std::string::npos);
  for (const int status : {301, 307, 308}) { // a redirect is not acceptance: no sender follows one
    sent.status = status;
    CHECK(setup_problem(sent, settings).find("follows no redirect") != std::string::npos);
  }
  sent.status = 500; // a failure: for the checks to judge
  CHECK(setup_problem(sent, settings).empty());
  sent.status = 0; // no answer in time: not accepted, and said at the top
  sent.timed_out = true;
  CHECK(setup_problem(sent, settings).find("a receiver must answer within --timeout 3s") != std::string::npos);
}
