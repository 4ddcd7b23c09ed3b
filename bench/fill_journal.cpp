// Fills a journal quickly with realistic deliveries, through journal::Writer (not HTTP): every topic that has a
// fixture, 5,000 jobs, 20 subscriptions, random GUID eventIds (as AccuLynx sends), 1% duplicates, received times
// spread evenly over the last 90 days. Prints what it wrote and the write rate. A benchmark tool, not a test.
//
// Usage: acx-fill-journal JOURNAL N [--without-indexes] [--seed S]
//   --without-indexes: drops the indexes, FTS5 table and triggers of migration 2 first (the write path's baseline)
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "acx/event/facts.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/event/json_reader.hpp"
#include "acx/journal/journal.hpp"
#include "acx/sqlite/sqlite.hpp"
#include "acx/util/time.hpp"

namespace {

std::string guid(std::mt19937_64& rng)
{
  const auto a = rng(), b = rng();
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xffff, static_cast<unsigned>(a) & 0xfff,
                0x8000 | (static_cast<unsigned>(b >> 48) & 0x3fff),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to)
{
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

struct Template {
  std::string topic, body, event_id, subscription, job, subject, gist;
};

std::vector<Template> templates()
{
  std::vector<Template> out;
  for (const auto topic : acx::event::fixture_topics()) {
    Template t;
    t.topic = topic;
    t.body = std::string(*acx::event::find_fixture(topic));
    const auto json = acx::event::parse_untrusted(t.body);
    t.event_id = json.value("eventId", "");
    t.subscription = json.value("subscriptionId", "");
    if (const auto* event = acx::event::member(json, "event")) {
      auto facts = acx::event::facts(*event);
      t.subject = facts.subject;
      t.gist = facts.gist;
      for (const char* kind : {"job", "contact"}) {
        if (const auto* o = acx::event::member(*event, kind); o && o->contains("id") && (*o)["id"].is_string()) {
          t.job = (*o)["id"].get<std::string>();
        }
      }
    }
    if (!t.event_id.empty()) {
      out.push_back(std::move(t));
    }
  }
  return out;
}

void drop_indexes(const std::string& path)
{
  acx::journal::Writer::open(path)->close(); // created and migrated
  acx::sqlite::Database db(path, false);
  db.exec("DROP TRIGGER deliveries_text_delete; DROP TRIGGER deliveries_text_update; DROP TABLE deliveries_text; "
          "DROP INDEX deliveries_topic; DROP INDEX deliveries_subscription; DROP INDEX deliveries_received; "
          "DROP INDEX deliveries_duplicate;");
}

} // namespace

int main(int argc, char** argv)
{
  if (argc < 3) {
    std::fprintf(stderr, "usage: acx-fill-journal JOURNAL N [--without-indexes] [--seed S]\n");
    return 2;
  }
  const std::string path = argv[1];
  const long n = std::atol(argv[2]);
  bool bare = false;
  std::uint64_t seed = 19;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--without-indexes") {
      bare = true;
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    }
  }
  if (bare) {
    drop_indexes(path);
  }
  std::mt19937_64 rng(seed);
  const auto kinds = templates();
  std::vector<std::string> jobs(5000), subscriptions(20);
  for (auto& j : jobs) {
    j = guid(rng);
  }
  for (auto& s : subscriptions) {
    s = guid(rng);
  }

  acx::journal::WriterOptions options;
  options.durability = acx::journal::Durability::process;
  auto writer = acx::journal::Writer::open(path, options);
  std::mutex mutex;
  std::condition_variable cv;
  long in_flight = 0;
  std::atomic<long> failed{0};
  const auto now = acx::util::now();
  const std::int64_t span = 90LL * 24 * 3600 * 1'000'000'000LL; // 90 days, in ns
  std::string last_id;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    const auto& t = kinds[rng() % kinds.size()];
    acx::journal::Record r;
    const std::int64_t ticks = now.seconds * 10'000'000LL + now.ticks - (span - span / n * i) / 100;
    r.received = {ticks / 10'000'000LL, static_cast<std::int32_t>(ticks % 10'000'000LL)};
    r.remote = "203.0.113." + std::to_string(1 + rng() % 200) + ":443";
    r.headers = {{"Content-Type", "application/json"}, {"User-Agent", "AccuLynx-Webhooks/1.0"}};
    r.status = acx::journal::Status::accepted;
    r.topic = t.topic;
    r.event_id = rng() % 100 == 0 && !last_id.empty() ? last_id : guid(rng); // 1% duplicates
    last_id = r.event_id;
    r.subscription_id = subscriptions[rng() % subscriptions.size()];
    r.event_time = acx::util::format_rfc3339(r.received);
    r.body = t.body;
    replace_all(r.body, t.event_id, r.event_id);
    replace_all(r.body, t.subscription, r.subscription_id);
    if (!t.job.empty()) {
      replace_all(r.body, t.job, jobs[rng() % jobs.size()]);
    }
    r.subject = t.subject;
    r.gist = t.gist;
    {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return in_flight < 8192; });
      ++in_flight;
    }
    writer->append_async(std::move(r), [&](acx::journal::Appended a) {
      if (!a.stored) {
        ++failed;
      }
      std::lock_guard lock(mutex);
      --in_flight;
      cv.notify_all();
    });
  }
  while (writer->committed_seq() < n && failed.load() == 0) { // every append answered: wait for the last commit
    writer->wait_beyond(writer->committed_seq(), std::chrono::milliseconds(100));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The text index, filled behind the write path, catches up before the journal is used.
  const auto indexing = std::chrono::steady_clock::now();
  while (!bare && writer->text_indexed() < writer->committed_seq()) {
    writer->wait_beyond(writer->committed_seq(), std::chrono::milliseconds(100));
  }
  const double indexed = std::chrono::duration<double>(std::chrono::steady_clock::now() - indexing).count();
  writer->close();
  std::printf("%ld deliveries in %.1f s: %.0f/s%s (%ld not stored); text index caught up %.1f s later\n", n, seconds,
              static_cast<double>(n) / seconds, bare ? ", without migration 2's indexes" : "", failed.load(), indexed);
  return failed.load() == 0 ? 0 : 1;
}
