#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <sys/stat.h>
#include <thread>

#include "acx/journal/journal.hpp"
#include "acx/util/error.hpp"

using namespace acx::journal;

namespace {

Record accepted(const std::string& event_id, const std::string& topic = "job_created")
{
  Record r;
  r.received = acx::util::now();
  r.remote = "127.0.0.1:1234";
  r.headers = {{"Content-Type", "application/json"}, {"X-Odd", "caf\xc3\xa9 \xff"}};
  r.body = "{\"eventId\":\"" + event_id + "\"}\n";
  r.topic = topic;
  r.event_id = event_id;
  r.subscription_id = "f30009c1-b6e3-432a-9a0e-6932c9fabdd8";
  r.event_time = "2026-05-26T14:23:55.4999782Z";
  return r;
}

} // namespace

TEST_CASE("acx::journal::Writer")
{
  TempDir dir;
  const std::string path = dir.file("sub/journal.db");

  SUBCASE("appends, detects duplicates, keeps refused apart, and reads back byte for byte")
  {
    auto w = Writer::open(path);
    const auto a = w->append(accepted("e1"));
    CHECK(a.stored);
    CHECK(a.status == Status::accepted);
    CHECK(a.seq == 1);
    const auto d = w->append(accepted("e1"));
    CHECK(d.status == Status::duplicate);
    CHECK(d.seq == 2);
    Record bad = accepted("");
    bad.status = Status::refused;
    bad.reason = "mismatch";
    CHECK(w->append(bad).status == Status::refused);
    CHECK(w->append(accepted("e2", "contact_added")).seq == 3);
    CHECK(w->committed_seq() == 3);

    auto r = Reader::open(path);
    const auto all = r->read({});
    REQUIRE(all.size() == 3);
    CHECK(all[0].status == Status::accepted);
    CHECK(all[1].status == Status::duplicate);
    CHECK(all[2].topic == "contact_added");
    CHECK(all[0].body == "{\"eventId\":\"e1\"}\n");
    CHECK(*all[0].headers.find("content-type") == "application/json");
    CHECK(*all[0].headers.find("X-Odd") == "caf\xc3\xa9 \xef\xbf\xbd"); // an invalid byte is stored as U+FFFD
    Query refused;
    refused.refused = true;
    const auto bad_ones = r->read(refused);
    REQUIRE(bad_ones.size() == 1);
    CHECK(bad_ones[0].status == Status::refused);
    CHECK(bad_ones[0].reason == "mismatch");
    Query topic;
    topic.topic = "contact_added";
    CHECK(r->read(topic).size() == 1);
    CHECK(r->find("e2")->seq == 3);
    CHECK(r->find("1")->event_id == "e1");
    CHECK_FALSE(r->find("nope"));
    CHECK(r->last_seq() == 3);
  }
  SUBCASE("the in-memory tail serves recent commits in order")
  {
    auto w = Writer::open(path);
    for (int i = 0; i < 10; ++i) {
      w->append(accepted("e" + std::to_string(i)));
    }
    const auto recent = w->recent_after(4, 3);
    REQUIRE(recent);
    REQUIRE(recent->size() == 3);
    CHECK((*recent)[0]->seq == 5);
    CHECK((*recent)[2]->seq == 7);
    CHECK(w->recent_after(10, 5)->empty());
    CHECK(w->wait_beyond(9, std::chrono::milliseconds(1)) == 10);
  }
  SUBCASE("state survives a reopen, and a second writer is kept out")
  {
    {
      auto w = Writer::open(path);
      w->append(accepted("e1"));
      CHECK_THROWS_WITH_AS(Writer::open(path), doctest::Contains("is in use by another acx process"), acx::Error);
    }
    auto w = Writer::open(path);
    CHECK(w->committed_seq() == 1);
    CHECK(w->append(accepted("e1")).status == Status::duplicate);
    CHECK_FALSE(w->recent_after(0, 10)); // the tail starts at this process's first commit
  }
  SUBCASE("files are private")
  {
    auto w = Writer::open(path);
    w->append(accepted("e1"));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(dir.file("sub").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
  }
  SUBCASE("concurrent appends are grouped into fewer commits, and each gets its own answer")
  {
    auto w = Writer::open(path);
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::set<std::int64_t> seqs;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const auto a = w->append(accepted(std::to_string(t) + "-" + std::to_string(i)));
          std::lock_guard lock(mutex);
          seqs.insert(a.stored ? a.seq : -1);
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    // Every append got its own sequence number, 1 to 400, and nothing else.
    REQUIRE(seqs.size() == 400);
    CHECK(*seqs.begin() == 1);
    CHECK(*seqs.rbegin() == 400);
    CHECK(w->stats().records == 400);
    CHECK(Reader::open(path)->last_seq() == 400);
  }
  SUBCASE("a duplicate of the same bytes is stored as a reference; one with another body keeps it")
  {
    auto w = Writer::open(path);
    w->append(accepted("e1"));
    for (int i = 0; i < 5; ++i) {
      CHECK(w->append(accepted("e1")).status == Status::duplicate);
    }
    Record changed = accepted("e1");
    changed.body = "{\"eventId\":\"e1\",\"tampered\":true}";
    CHECK(w->append(changed).status == Status::duplicate);
    w->close();
    const auto all = Reader::open(path)->read({});
    REQUIRE(all.size() == 7);
    for (std::size_t i = 1; i < 6; ++i) {
      CHECK(all[i].body == all[0].body); // read back whole, from the original
      CHECK(all[i].detail == "duplicate of #1");
    }
    CHECK(all[6].body == changed.body);
    CHECK(all[6].detail == "duplicate of #1 (the body differs)");
    CHECK(Reader::open(path)->find("E1")->seq == 1); // eventIds are found whatever their case
  }
  SUBCASE("refused deliveries are bounded")
  {
    WriterOptions o;
    o.max_refused = 10;
    auto w = Writer::open(path, o);
    for (int i = 0; i < 300; ++i) {
      Record bad = accepted("");
      bad.status = Status::refused;
      w->append(bad);
    }
    Query q;
    q.refused = true;
    const auto kept = Reader::open(path)->read(q);
    CHECK(kept.size() <= 10 + 256);
    CHECK(kept.back().seq == 300);
  }
  SUBCASE("a refused body is kept as a prefix with its size and hash, and refusals are bounded in bytes")
  {
    WriterOptions o;
    o.max_refused_bytes = 64u << 10;
    o.refused_prefix = 1000;
    auto w = Writer::open(path, o);
    for (int i = 0; i < 300; ++i) {
      Record bad = accepted("");
      bad.status = Status::refused;
      bad.body = std::string(100'000, static_cast<char>('a' + i % 26));
      w->append(bad);
    }
    w->close();
    Query q;
    q.refused = true;
    q.limit = 1000;
    const auto kept = Reader::open(path)->read(q);
    REQUIRE_FALSE(kept.empty());
    CHECK(kept.back().seq == 300);
    CHECK(kept.back().body == std::string(1000, static_cast<char>('a' + 299 % 26)));
    CHECK(kept.back().body_bytes == 100'000);
    CHECK(kept.back().body_sha256.size() == 64);
    std::size_t bytes = 0;
    for (const auto& r : kept) {
      bytes += r.body.size() + r.headers_json.size();
    }
    // Pruned every eighth of the bound: never much above it.
    CHECK(bytes <= o.max_refused_bytes + o.max_refused_bytes / 8 + 2000);
    CHECK(std::filesystem::file_size(path) < (2u << 20));
  }
  SUBCASE("a closed writer refuses appends")
  {
    auto w = Writer::open(path);
    w->close();
    const auto a = w->append(accepted("late"));
    CHECK_FALSE(a.stored);
    CHECK(a.error == "the journal is closed");
  }
}

TEST_CASE("acx::journal::Reader")
{
  TempDir dir;
  const std::string expected = "no journal at " + dir.file("none.db") + " (acx listen creates it";
  CHECK_THROWS_WITH(Reader::open(dir.file("none.db")), doctest::Contains(expected.c_str()));
}

TEST_CASE("acx::journal::Writer: under a steady load the WAL starts over instead of growing with every commit")
{
  TempDir dir;
  const std::string path = dir.file("journal.db");
  WriterOptions o;
  o.durability = Durability::process;
  auto w = Writer::open(path, o);
  // 30,000 deliveries of 2 KB, appended without a pause: about 60 MB through the WAL.
  const std::string pad(2000, 'x');
  std::mutex mutex;
  std::condition_variable cv;
  int in_flight = 0;
  for (int i = 0; i < 30'000; ++i) {
    Record r = accepted("wal-" + std::to_string(i));
    r.body = "{\"pad\":\"" + pad + "\"}";
    {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return in_flight < 256; });
      ++in_flight;
    }
    w->append_async(std::move(r), [&](Appended) {
      std::lock_guard lock(mutex);
      --in_flight;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  const auto wal = std::filesystem::file_size(path + "-wal");
  CHECK(w->committed_seq() == 30'000);
  CHECK(wal < (32u << 20)); // with the WAL never started over it was past 60 MB
  w->close();
}
