#include <doctest/doctest.h>

#include <string>

#include "acx/present/format.hpp"

using namespace std::chrono_literals;
using acx::forward::Progress;
using acx::present::OutputFormat;
using acx::present::ProgressLines;

namespace {

Progress attempt(std::string consumer, std::int64_t seq, std::string state, int status = 500)
{
  Progress p;
  p.consumer = std::move(consumer);
  p.seq = seq;
  p.attempt = 2;
  p.status = state == "delivered" ? 200 : status;
  p.state = std::move(state);
  p.answer = "boom";
  p.retry_in = 1;
  return p;
}

} // namespace

TEST_CASE("acx::present::ProgressLines: a failing consumer is one line when it starts failing and one when it is back")
{
  auto now = std::chrono::steady_clock::time_point{};
  ProgressLines lines(OutputFormat::pretty, false, [&] { return now; });
  const std::string app = "http://127.0.0.1:3000/hooks";

  CHECK(lines.take(attempt(app, 1, "delivered")) == "         #1 -> http://127.0.0.1:3000/hooks: 200 in 0 ms\n");
  // The first failure: its line and a word that the retries are not shown.
  CHECK(lines.take(attempt(app, 2, "retry")) ==
        "         #2 -> http://127.0.0.1:3000/hooks: 500 in 0 ms: boom (retry 3 in 1.0 s)\n"
        "         http://127.0.0.1:3000/hooks fails: its retries are not shown one by one until it answers again\n");
  for (int i = 0; i < 300; ++i) {
    CHECK(lines.take(attempt(app, 2 + i % 5, "retry", 0)).empty());
  }
  // Another consumer is on its own.
  CHECK(!lines.take(attempt("exec ./h.sh", 2, "retry")).empty());
  // A dead letter is always shown.
  CHECK(lines.take(attempt(app, 9, "dead", 400)).find("(dead: acx events retry") != std::string::npos);
  now += 42s;
  CHECK(lines.take(attempt(app, 2, "delivered")) ==
        "         http://127.0.0.1:3000/hooks answers again after 42 s; 301 attempts failed meanwhile\n"
        "         #2 -> http://127.0.0.1:3000/hooks: 200 in 0 ms\n");
  CHECK(lines.take(attempt(app, 3, "delivered")) == "         #3 -> http://127.0.0.1:3000/hooks: 200 in 0 ms\n");
  // Failing again: said again.
  CHECK(lines.take(attempt(app, 4, "retry")).find("fails: its retries are not shown") != std::string::npos);
}

TEST_CASE("acx::present::ProgressLines: JSON lines are data: every attempt")
{
  ProgressLines lines(OutputFormat::json, false);
  for (int i = 0; i < 3; ++i) {
    CHECK(lines.take(attempt("app", 1, "retry")).find("\"state\":\"retry\"") != std::string::npos);
  }
}
