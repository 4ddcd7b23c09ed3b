#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <chrono>
#include <filesystem>

#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/sqlite/schema.hpp"
#include "acx/util/error.hpp"

using namespace acx::journal;

namespace {

// A journal written by the release before migrations were numbered (user_version 0): 6 accepted deliveries, a
// duplicate of #1 (replayed from an export: its body differs), one refused, and a consumer at watermark 0 with two
// events pending.
std::string previous_release_journal(const TempDir& dir)
{
  const std::string path = dir.file("journal.db");
  std::filesystem::copy_file(ACX_SOURCE_DIR "/tests/fixtures/journal-v1.db", path);
  return path;
}

int version_of(const std::string& path)
{
  acx::sqlite::Database db(path, true);
  return in_sqlite::schema_version(db);
}

std::vector<std::int64_t> seqs(const std::vector<Record>& records)
{
  std::vector<std::int64_t> out;
  for (const auto& r : records) {
    out.push_back(r.seq);
  }
  return out;
}

} // namespace

TEST_CASE("acx::journal migrations: a journal of the previous release is upgraded once and reads as before")
{
  TempDir dir;
  const std::string path = previous_release_journal(dir);
  const int latest = in_sqlite::migrations().back().number;
  REQUIRE(version_of(path) == 0);

  SUBCASE("a reader upgrades it: every record, the counts, the duplicate's body, the consumer")
  {
    auto r = Reader::open(path);
    CHECK(version_of(path) == latest);
    const auto all = read_all(*r, {});
    CHECK(seqs(all) == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7});
    CHECK(all[6].status == Status::duplicate);
    CHECK(all[6].detail == "duplicate of #1 (the body differs)");
    std::int64_t counted = 0;
    for (const auto& c : r->counts()) {
      counted += c.count;
    }
    CHECK(counted == 8); // 7 deliveries and 1 refused
    auto outbox = Outbox::open(path);
    REQUIRE(outbox->consumer("http://127.0.0.1:9/app"));
    CHECK(outbox->consumer("http://127.0.0.1:9/app")->watermark == 0);
    CHECK(outbox->marked("http://127.0.0.1:9/app", Handed::pending) == std::vector<std::int64_t>{1, 2});
  }

  SUBCASE("the migrated indexes serve every filter, text through FTS5")
  {
    auto r = Reader::open(path);
    Query q;
    q.text = "1cf4c3c4"; // the start of #1's eventId: the accepted record and its duplicate
    CHECK(seqs(r->read(q)) == std::vector<std::int64_t>{1, 7});
    q.text = "Henderson roof"; // words of the body, in any case, both required
    CHECK(seqs(r->read(q)) == std::vector<std::int64_t>{1, 3, 5, 7});
    q.text = "Henderson nowhere";
    CHECK(r->read(q).empty());
    q = {};
    q.topic = "contact_added";
    q.newest_first = true;
    q.limit = 2;
    CHECK(seqs(r->read(q)) == std::vector<std::int64_t>{6, 4});
    q = {};
    q.status = Status::duplicate;
    CHECK(seqs(r->read(q)) == std::vector<std::int64_t>{7});
    CHECK(r->find("1CF4C3C4-E0E6-4F97-A65E-AA9D53403EFC")->seq == 1);
  }

  SUBCASE("a writer upgrades it, appends after it, and a second opening applies nothing again")
  {
    {
      auto w = Writer::open(path);
      Record rec;
      rec.received = acx::util::now();
      rec.body = "{}";
      rec.topic = "job_created";
      rec.event_id = "00000000-0000-4000-8000-000000000001";
      CHECK(w->append(rec).seq == 8);
      w->close();
    }
    auto w = Writer::open(path);
    w->close();
    CHECK(version_of(path) == latest);
    auto r = Reader::open(path);
    std::int64_t job_created = 0;
    for (const auto& c : r->counts()) {
      job_created += c.topic == "job_created" && c.status == "accepted" ? c.count : 0;
    }
    CHECK(job_created == 4);
  }

  SUBCASE("a journal from a newer acx is refused, not changed")
  {
    {
      acx::sqlite::Database db(path, false);
      db.exec("PRAGMA user_version = 999");
    }
    CHECK_THROWS_WITH_AS(Reader::open(path), doctest::Contains("was written by a newer acx (schema 999"), acx::Error);
    CHECK_THROWS_WITH_AS(Writer::open(path), doctest::Contains("was written by a newer acx"), acx::Error);
    CHECK(version_of(path) == 999);
  }
}

TEST_CASE("acx::journal text search: whatever is typed is words, never FTS5 syntax")
{
  CHECK(in_sqlite::match_expression("") == "");
  CHECK(in_sqlite::match_expression(" \t ") == "");
  CHECK(in_sqlite::match_expression("Henderson") == "\"Henderson\"*");
  CHECK(in_sqlite::match_expression(" a  b ") == "\"a\"* \"b\"*");
  CHECK(in_sqlite::match_expression("say \"hi\"") == "\"say\"* \"\"\"hi\"\"\"*");

  TempDir dir;
  const std::string path = previous_release_journal(dir);
  auto r = Reader::open(path);
  for (const char* hostile : {"\"", "*", "NEAR(a b)", "a OR b", "NOT", "{}", "-", "((", "^x", "a:b", "\\", "'",
                              "\xff\xfe", "col:body", "\"unterminated", "e0e6-4f97"}) {
    Query q;
    q.text = hostile;
    CHECK_NOTHROW(r->read(q));
  }
  Query q;
  q.text = "OR"; // an operator's name is a word like any other
  CHECK(r->read(q).empty());
}

TEST_CASE("acx::journal text search: the writer indexes behind the write path, indexed or scanned, the same answers")
{
  TempDir dir;
  const std::string path = previous_release_journal(dir);
  auto w = Writer::open(path);
  CHECK(w->committed_seq() == 7);
  for (int i = 0; i < 1200 && w->text_indexed() < w->committed_seq(); ++i) { // filled while nothing is appended
    w->wait_beyond(w->committed_seq(), std::chrono::milliseconds(50));
  }
  REQUIRE(w->text_indexed() == 7);
  auto r = Reader::open(path);
  auto answers = [&] {
    std::vector<std::vector<std::int64_t>> out;
    for (const char* text : {"henderson", "1CF4C3C4", "contact_added", "Roof henderson", "d23f0824-128b", "zzz"}) {
      for (const bool newest_first : {false, true}) {
        Query q;
        q.text = text;
        q.newest_first = newest_first;
        q.limit = 3;
        out.push_back(seqs(r->read(q)));
      }
    }
    return out;
  };
  const auto indexed = answers();
  CHECK(indexed[0] == std::vector<std::int64_t>{1, 3, 5});
  CHECK(indexed[1] == std::vector<std::int64_t>{7, 5, 3});
  CHECK(indexed[2] == std::vector<std::int64_t>{1, 7});
  {
    acx::sqlite::Database db(path, false); // as if the index reached only #2: the rest is scanned
    db.exec("UPDATE meta SET value = '2' WHERE key = 'text_indexed'");
  }
  CHECK(answers() == indexed);
}

TEST_CASE("acx::journal::Writer: opened while its text index catches up, readers opened beside it read an intact "
          "journal")
{
  // The writer's constructor once finalized a statement on its connection (which has no mutex) after its committer
  // had started indexing text on it: a listener restarted after kill -9, its text index behind, found the journal
  // corrupt ('file is not a database') about one start in five under load. Each round here puts the text index back
  // to nothing, so the committer has thousands of rows to index the moment the writer opens.
  TempDir dir;
  const std::string path = dir.file("journal.db");
  {
    auto w = Writer::open(path, {});
    for (int i = 0; i < 3000; ++i) {
      Record r;
      r.received = acx::util::now();
      r.event_id = "catch-up-" + std::to_string(i);
      r.topic = "job_created";
      r.body = "{\"eventId\":\"" + r.event_id + "\",\"note\":\"words to index " + std::to_string(i) + "\"}";
      w->append_async(std::move(r), [](Appended) {});
    }
    w->close();
  }
  for (int round = 0; round < 60; ++round) {
    {
      acx::sqlite::Database db(path, false);
      db.exec("INSERT INTO deliveries_text(deliveries_text) VALUES ('delete-all'); "
              "UPDATE meta SET value = '0' WHERE key = 'text_indexed'");
    }
    WriterOptions o;
    o.durability = round % 2 == 0 ? Durability::process : Durability::disk;
    auto w = Writer::open(path, o);
    for (int k = 0; k < 3; ++k) {
      auto reader = Reader::open(path);
      Query q;
      q.limit = 5;
      CHECK(reader->read(q).size() == 5);
    }
    w->close();
  }
  acx::sqlite::Database db(path, true);
  acx::sqlite::Statement check(db, "PRAGMA integrity_check");
  REQUIRE(check.step());
  CHECK(check.text(0) == "ok");
}
