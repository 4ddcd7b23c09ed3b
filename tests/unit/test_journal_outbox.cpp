#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"

using namespace acx;
using journal::Handed;

namespace {

journal::HandOver attempt(std::int64_t seq, Handed state, int attempt = 1)
{
  journal::HandOver h;
  h.consumer = "app";
  h.seq = seq;
  h.attempt = attempt;
  h.at = {1'779'805'435, 0};
  h.status = state == Handed::delivered ? 200 : 500;
  h.answer = state == Handed::delivered ? "ok" : "boom";
  h.state = state;
  return h;
}

} // namespace

TEST_CASE("acx::journal::Outbox: watermarks, marks above them, retries queued by acx events")
{
  const TempDir temp;
  const std::string path = temp.file("j.db");
  journal::Writer::open(path)->close(); // the journal must exist
  auto outbox = journal::Outbox::open(path);

  SUBCASE("a new consumer starts where it is told; an existing one keeps its watermark unless reset")
  {
    CHECK(outbox->attach("app", "http://127.0.0.1:1/", "[]", 5, false) == 5);
    outbox->advance("app", 9);
    CHECK(outbox->attach("app", "http://127.0.0.1:1/", "[]", 0, false) == 9);
    CHECK(outbox->consumer("app")->watermark == 9);
    CHECK(outbox->attach("app", "http://127.0.0.1:1/", "[]", 2, true) == 2); // --forward-from
    CHECK_FALSE(outbox->consumer("other"));
  }
  SUBCASE("what is delivered or dead above the watermark is skipped after a restart; attempts are kept")
  {
    outbox->attach("app", "cmd", "[\"job.*\"]", 0, false);
    outbox->record(attempt(1, Handed::pending));
    outbox->record(attempt(1, Handed::delivered, 2));
    outbox->record(attempt(2, Handed::dead));
    outbox->record(attempt(3, Handed::pending));
    CHECK(outbox->done_after("app", 0) == std::set<std::int64_t>{1, 2});
    CHECK(outbox->done_after("app", 1) == std::set<std::int64_t>{2});
    CHECK(outbox->marked("app", Handed::dead) == std::vector<std::int64_t>{2});
    const auto tries = outbox->attempts(1);
    REQUIRE(tries.size() == 2);
    CHECK(tries[0].state == Handed::pending);
    CHECK(tries[1].state == Handed::delivered);
    CHECK(tries[1].attempt == 2);
    CHECK(outbox->consumers().at(0).topics == "[\"job.*\"]");
  }
  SUBCASE("requeue: the dead ones, or one event; taken once, marked pending as they are taken")
  {
    outbox->attach("app", "cmd", "[]", 0, false);
    outbox->record(attempt(4, Handed::dead));
    outbox->record(attempt(5, Handed::dead));
    outbox->record(attempt(6, Handed::delivered));
    CHECK(outbox->requeue("app", std::nullopt, false) == 2);
    CHECK(outbox->requeue("app", 6, false) == 1);
    CHECK(outbox->take_retries("app") == std::vector<std::int64_t>{4, 5, 6});
    CHECK(outbox->take_retries("app").empty());
    CHECK(outbox->marked("app", Handed::pending) == std::vector<std::int64_t>{4, 5, 6});
  }
  SUBCASE("requeue with waiting: the dead ones and those waiting out a backoff, not the delivered")
  {
    outbox->attach("app", "cmd", "[]", 0, false);
    outbox->record(attempt(4, Handed::dead));
    outbox->record(attempt(5, Handed::pending));
    outbox->record(attempt(6, Handed::delivered));
    CHECK(outbox->requeue("app", std::nullopt, true) == 2);
    CHECK(outbox->take_retries("app") == std::vector<std::int64_t>{4, 5});
  }
}
