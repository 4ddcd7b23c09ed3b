#include <doctest/doctest.h>

#include "acx/jq/jq.hpp"
#include "acx/util/coprocess.hpp"
#include "acx/util/text.hpp"

using acx::jq::Outcome;
using acx::jq::Programs;
using acx::jq::Runner;

namespace {

const std::string k_event = R"({"topicName":"job_created","event":{"job":{"id":"j1","n":7}}})";

} // namespace

TEST_CASE("jq: compile errors are jq's words, good programs compile")
{
  CHECK_FALSE(acx::jq::compile_error(".event.job | {id}").has_value());
  const auto bad = acx::jq::compile_error(".event | {");
  REQUIRE(bad.has_value());
  CHECK(bad->find("syntax error") != std::string::npos);
  CHECK(acx::jq::compile_error("nosuchfunction(1)").value_or("").find("nosuchfunction") != std::string::npos);
}

TEST_CASE("jq: a filter passes what yields true, skips the rest, says what it yielded")
{
  Runner r(Programs{".event.job.n > 5", ""});
  const auto yes = r.run(k_event);
  CHECK(yes.verdict == Outcome::Verdict::pass);
  CHECK(yes.body == k_event); // untouched without a transform
  Runner no(Programs{".event.job.n", ""});
  const auto skipped = no.run(k_event);
  CHECK(skipped.verdict == Outcome::Verdict::skip);
  CHECK(skipped.why == "7");
  Runner empty(Programs{"empty", ""});
  CHECK(empty.run(k_event).why == "no output");
}

TEST_CASE("jq: a transform's single output is the body, compact, as jq -c writes it")
{
  Runner r(Programs{"", "{id: .event.job.id, topic: .topicName, x: 1.5}"});
  const auto out = r.run(k_event);
  REQUIRE(out.verdict == Outcome::Verdict::pass);
  CHECK(out.body == R"({"id":"j1","topic":"job_created","x":1.5})");
  // The same worker serves the next run.
  CHECK(r.run(R"({"topicName":"t","event":{"job":{"id":"j2"}}})").body == R"({"id":"j2","topic":"t","x":1.5})");
}

TEST_CASE("jq: errors, no output and several outputs fail, saying which")
{
  CHECK(Runner(Programs{"", ".event.job.id | tonumber"}).run(k_event).why.find("the transform failed") == 0);
  CHECK(Runner(Programs{"", "empty"}).run(k_event).why.find("gave no output") != std::string::npos);
  CHECK(Runner(Programs{"", "1, 2"}).run(k_event).why.find("more than one output") != std::string::npos);
  CHECK(Runner(Programs{"error(\"nope\")", ""}).run(k_event).why == "the filter failed: nope");
  CHECK(Runner(Programs{"", "."}).run("{not json").why.find("not JSON") != std::string::npos);
}

TEST_CASE("jq: a program that loops is stopped at its time, and the next run works")
{
  acx::jq::Limits limits;
  limits.time = std::chrono::milliseconds(300);
  Runner r(Programs{"if .event.job.id == \"loop\" then (def f: f; f) else true end", ""}, limits);
  const auto looped = r.run(R"({"event":{"job":{"id":"loop"}}})");
  CHECK(looped.verdict == Outcome::Verdict::fail);
  CHECK(looped.why.find("ran past 300 ms") != std::string::npos);
  CHECK(r.run(k_event).verdict == Outcome::Verdict::pass); // a new worker
}

TEST_CASE("jq: an output over the limit fails without reaching the caller")
{
  acx::jq::Limits limits;
  limits.output = 1024;
  Runner r(Programs{"", "reduce range(0; 12) as $i (\"x\"; . + .)"}, limits);
  const auto big = r.run(k_event);
  CHECK(big.verdict == Outcome::Verdict::fail);
  CHECK(big.why == "the transform's output is over 1 KiB");
  Runner array(Programs{"", "[range(0; 1000)]"}, limits);
  CHECK(array.run(k_event).why.find("is over 1 KiB") != std::string::npos);
}

TEST_CASE("jq: a stop request abandons the run")
{
  std::stop_source stop;
  stop.request_stop();
  Runner r(Programs{"def f: f; f", ""});
  CHECK(r.run(k_event, stop.get_token()).verdict == Outcome::Verdict::abandoned);
}

TEST_CASE("coprocess: a worker that dies is said, and started again")
{
  acx::util::Coprocess sh({"/bin/sh", {"sh", "-c", "exit 3"}, {}}, "hello", 100); // dies before it is ready
  const auto a = sh.ask("x", std::chrono::milliseconds(10'000));
  CHECK(a.ended == acx::util::Coprocess::Answer::Ended::died);
  CHECK(a.why == "did not start: exited with 3");
  CHECK(sh.ask("x", std::chrono::milliseconds(10'000)).why == "did not start: exited with 3");
}

TEST_CASE("format_size: bytes for a person")
{
  CHECK(acx::util::format_size(100) == "100 B");
  CHECK(acx::util::format_size(1024) == "1 KiB");
  CHECK(acx::util::format_size(1536) == "1.5 KiB");
  CHECK(acx::util::format_size(16 << 20) == "16 MiB");
}

TEST_CASE("coprocess: a slow start is not the question's time")
{
  // Greeting "hello" (a 9-byte frame), ready half a second later; then the question "x" (5 bytes), answered "ok".
  acx::util::Coprocess slow({"/bin/sh",
                             {"sh", "-c",
                              "head -c 9 >/dev/null; sleep 0.5; printf '\\005\\000\\000\\000ready'; "
                              "head -c 5 >/dev/null; printf '\\002\\000\\000\\000ok'; cat >/dev/null"},
                             {}},
                            "hello", 100);
  const auto a = slow.ask("x", std::chrono::milliseconds(200));
  CHECK(a.ended == acx::util::Coprocess::Answer::Ended::answered);
  CHECK(a.message == "ok");
}
