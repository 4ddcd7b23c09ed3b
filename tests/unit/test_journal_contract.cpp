// The journal's contract, on both engines (journal_engines.hpp): what every reader and writer of a journal may count
// on whether it is a file of SQLite or a schema in PostgreSQL.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>
#include <thread>

#include "journal_engines.hpp"
#include "temp_dir.hpp"

#include "acx/journal/follower.hpp"
#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/prune.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"

using namespace acx;
using namespace acx::journal;

namespace {

std::string event_id(int n)
{
  const std::string digits = std::to_string(n);
  return "00000000-0000-4000-8000-" + std::string(12 - digits.size(), '0') + digits;
}

Record delivery(int n, util::Instant received = util::now(), std::string body = {})
{
  Record r;
  received.ticks -= received.ticks % 10; // PostgreSQL keeps microseconds
  r.received = received;
  r.remote = "127.0.0.1";
  r.path = "/webhooks/acculynx";
  r.headers.add("Content-Type", "application/json");
  r.headers.add("X-Caf\xc3\xa9", "cr\xc3\xa8me \"quoted\"");
  r.body = body.empty() ? "{\"n\":" + std::to_string(n) + "}" : body;
  r.topic = "job.milestone.current_changed";
  r.event_id = event_id(n);
  r.subscription_id = "sub";
  r.event_time = "2026-05-26T15:02:11.1034567Z";
  r.subject = "job:" + std::to_string(n);
  r.gist = "milestone " + std::to_string(n);
  return r;
}

util::Instant seconds_ago(std::int64_t seconds)
{
  auto t = util::now();
  t.seconds -= seconds;
  return t;
}

} // namespace

TEST_CASE("journal contract: append, duplicates, refused, every column read back as written")
{
  const TempDir dir;
  for (const auto& [engine, location] : journal_engines::locations(dir)) {
    CAPTURE(engine);
    auto w = Writer::open(location);
    const Record first = delivery(1);
    const auto a = w->append(first);
    CHECK((a.stored && a.status == Status::accepted && a.seq > 0));
    const auto same = w->append(delivery(1));
    CHECK((same.stored && same.status == Status::duplicate && same.seq > a.seq));
    const auto differs = w->append(delivery(1, util::now(), "{\"n\":1,\"other\":true}"));
    CHECK(differs.status == Status::duplicate);
    Record bad = delivery(2, util::now(), std::string(10'000, 'x'));
    bad.status = Status::refused;
    bad.reason = "mismatch";
    bad.detail = "the signature does not match";
    const auto refused = w->append(bad);
    CHECK((refused.stored && refused.status == Status::refused));
    CHECK(w->committed_seq() == differs.seq);

    auto r = Reader::open(location);
    const auto back = r->find(std::to_string(a.seq));
    REQUIRE(back);
    CHECK(back->received == first.received);
    CHECK(back->remote == first.remote);
    CHECK(back->path == first.path);
    CHECK(back->headers_json == "[[\"Content-Type\",\"application/json\"],[\"X-Caf\xc3\xa9\",\"cr\xc3\xa8me "
                                "\\\"quoted\\\"\"]]");
    REQUIRE(back->headers.find("x-caf\xc3\xa9") != nullptr);
    CHECK(*back->headers.find("x-caf\xc3\xa9") == "cr\xc3\xa8me \"quoted\"");
    CHECK(back->body == first.body);
    CHECK(back->topic == first.topic);
    CHECK(back->event_id == first.event_id);
    CHECK(back->subscription_id == first.subscription_id);
    CHECK(back->event_time == first.event_time);
    CHECK(back->subject == first.subject);
    CHECK(back->gist == first.gist);
    const auto dup = r->find(std::to_string(same.seq));
    REQUIRE(dup);
    CHECK(dup->status == Status::duplicate);
    CHECK(dup->body == first.body); // kept once, read through its original
    CHECK(dup->detail == fmt::format("duplicate of #{}", a.seq));
    CHECK(r->find(std::to_string(differs.seq))->detail == fmt::format("duplicate of #{} (the body differs)", a.seq));
    CHECK(r->find(first.event_id)->seq == a.seq);
    const auto no = r->find_refused(refused.seq);
    REQUIRE(no);
    CHECK(no->status == Status::refused);
    CHECK(no->reason == "mismatch");
    CHECK(no->body == std::string(4096, 'x'));
    CHECK(no->body_bytes == 10'000);
    CHECK(no->body_sha256 == util::hex_encode(util::sha256(std::string(10'000, 'x'))));
    CHECK(r->last_seq() == differs.seq);
    w->close();
  }
}

TEST_CASE("journal contract: a real delivery of a reconciled change is its rebuilt event's duplicate")
{
  const TempDir dir;
  for (const auto& [engine, location] : journal_engines::locations(dir)) {
    CAPTURE(engine);
    auto w = Writer::open(location);
    // Rebuilt by reconcile --repair: its eventId from the change; the time spelled with fewer digits than AccuLynx's.
    Record rebuilt = delivery(7);
    rebuilt.remote = std::string(k_reconciled_remote);
    rebuilt.event_time = "2026-05-26T15:02:11.1034567Z";
    rebuilt.event_id = change_id(rebuilt.topic, rebuilt.subject, "2026-05-26T15:02:11.1034567+00:00");
    CHECK(rebuilt.event_id == change_id(rebuilt.topic, rebuilt.subject, rebuilt.event_time));
    CHECK(rebuilt.event_id != change_id("job_updated", rebuilt.subject, rebuilt.event_time));
    CHECK(rebuilt.event_id.size() == 36);
    CHECK(rebuilt.event_id[14] == '8');
    const auto a = w->append(rebuilt);
    CHECK(a.status == Status::accepted);
    CHECK(w->append(rebuilt).status == Status::duplicate); // repaired twice: nothing added
    const auto real = w->append(delivery(7));              // AccuLynx's own eventId, the same change
    CHECK(real.status == Status::duplicate);
    Record other = delivery(7);
    other.event_id = event_id(8);
    other.event_time = "2026-05-26T15:02:12Z"; // another change of the same job
    CHECK(w->append(other).status == Status::accepted);
    auto r = Reader::open(location);
    const auto dup = r->find(std::to_string(real.seq));
    REQUIRE(dup);
    CHECK(dup->detail == fmt::format("duplicate of #{} (its change was reconciled)", a.seq));
    CHECK(dup->body == delivery(7).body); // its own bytes, not the rebuilt event's
    CHECK(dup->event_id == event_id(7));
    CHECK(reconciled(*r->find(std::to_string(a.seq))));
    const auto counts = r->counts();
    const auto is = [&](const char* status, std::int64_t n) {
      return std::any_of(counts.begin(), counts.end(), [&](const Count& c) {
        return c.topic == rebuilt.topic && c.status == status && c.count == n;
      });
    };
    CHECK(is("reconciled", 1)); // acx events stats: one of the 2 accepted was rebuilt
    CHECK(is("accepted", 2));
    w->close();
  }
}

TEST_CASE("journal contract: concurrent writers accept each eventId once, followers read every record in order")
{
  const TempDir dir;
  for (const auto& [engine, location] : journal_engines::locations(dir)) {
    CAPTURE(engine);
    auto w = Writer::open(location);
    // Four threads append 100 deliveries each, of 150 eventIds: every other one is another thread's too.
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&w, t] {
        for (int i = 0; i < 100; ++i) {
          w->append(delivery((t * 50 + i) % 150 + 1));
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    // Followed from the start, across the holes a duplicate's conflicting insert leaves in PostgreSQL's numbers.
    Follower f(location, *w, 0);
    std::vector<std::int64_t> seqs;
    std::set<std::string> accepted;
    std::size_t duplicates = 0;
    while (seqs.size() < 400) {
      const auto batch = f.next(64, std::chrono::seconds(5));
      if (batch.empty()) {
        break;
      }
      for (const auto& r : batch) {
        CHECK((seqs.empty() || r->seq > seqs.back()));
        seqs.push_back(r->seq);
        if (r->status == Status::accepted) {
          CHECK(accepted.insert(r->event_id).second);
        } else {
          ++duplicates;
        }
      }
    }
    CHECK(seqs.size() == 400);
    CHECK(accepted.size() == 150);
    CHECK(duplicates == 250);
    CHECK(f.cursor() == w->committed_seq());
    auto r = Reader::open(location);
    CHECK(r->extent().pruned_below == 0); // holes are not pruning
    w->close();
  }
}

TEST_CASE("journal contract: outbox watermarks, marks and leases")
{
  const TempDir dir;
  for (const auto& [engine, location] : journal_engines::locations(dir)) {
    CAPTURE(engine);
    auto w = Writer::open(location);
    std::vector<std::int64_t> seqs;
    for (int n = 1; n <= 5; ++n) {
      seqs.push_back(w->append(delivery(n)).seq);
    }
    auto outbox = Outbox::open(location);
    CHECK(outbox->attach("app", "http://127.0.0.1:1/", "[]", 0, false) == 0);
    CHECK(outbox->waiting("app") == 5);
    HandOver h;
    h.consumer = "app";
    h.seq = seqs[1];
    h.at = util::now();
    h.status = 200;
    h.answer = "ok";
    h.state = Handed::delivered;
    outbox->record(h);
    h.seq = seqs[2];
    h.status = 500;
    h.state = Handed::pending;
    outbox->record(h);
    CHECK(outbox->done_after("app", 0) == std::set<std::int64_t>{seqs[1]});
    CHECK(outbox->tried_after("app", 0).count(seqs[2]) == 1);
    CHECK(outbox->waiting("app") == 4);
    outbox->advance("app", seqs[1]);
    CHECK(outbox->consumer("app")->watermark == seqs[1]);
    CHECK(outbox->attempts(seqs[2]).size() == 1);
    CHECK(outbox->requeue("app", seqs[2], false) == 1);
    CHECK(outbox->take_retries("app") == std::vector<std::int64_t>{seqs[2]});
    // Leases: a journal one listener writes grants every one; a shared one, one holder at a time.
    CHECK(outbox->lease("app", "a", std::chrono::seconds(10)));
    CHECK(outbox->lease("app", "b", std::chrono::seconds(10)) == !outbox->shared());
    outbox->release("app", "a");
    CHECK(outbox->lease("app", "b", std::chrono::seconds(10)));
    w->close();
  }
}

TEST_CASE("journal contract: retention prunes the oldest, the extent says so, and no follower is served them again")
{
  const TempDir dir;
  for (const auto& [engine, location] : journal_engines::locations(dir)) {
    CAPTURE(engine);
    auto w = Writer::open(location);
    for (int n = 1; n <= 3; ++n) {
      w->append(delivery(n, seconds_ago(86'400)));
    }
    const auto newest = w->append(delivery(4)).seq;
    // A follower started before the prune, and the writer's memory of its recent commits, still hold #1..#3.
    Follower before(location, *w, 0);
    Retention keep;
    keep.since = seconds_ago(3600);
    const auto pruned = Pruner::open(location)->prune(keep, false, "1h");
    CHECK(pruned.deliveries == 3);
    CHECK(pruned.below == newest);
    auto r = Reader::open(location);
    const auto e = r->extent();
    CHECK(e.oldest_seq == newest);
    CHECK(e.pruned_below == newest);
    CHECK(r->pruned_below() == newest);
    CHECK(e.retention == "1h");
    CHECK(not_found(*r, "1").find("delivery #1 was pruned") == 0);
    const auto batch = before.next(100, std::chrono::seconds(5));
    REQUIRE(batch.size() == 1);
    CHECK(batch.front()->seq == newest);
    Follower after(location, *w, 0);
    const auto again = after.next(100, std::chrono::seconds(5));
    REQUIRE(again.size() == 1);
    CHECK(again.front()->seq == newest);
    w->close();
  }
}
