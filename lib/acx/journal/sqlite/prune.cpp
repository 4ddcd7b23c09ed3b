#include "acx/journal/prune.hpp"
#include "acx/journal/sqlite/engine.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <thread>
#include <vector>

#include "acx/journal/sqlite/schema.hpp"
#include "acx/util/error.hpp"

namespace acx::journal::in_sqlite {

namespace {

using sqlite::Database;
using sqlite::SqliteError;
using sqlite::Statement;

// How long one of the pruner's transactions may hold the journal's write lock: a listener's commit waits for it.
constexpr auto k_step_time = std::chrono::milliseconds(5);

// Runs a job in transactions whose size it adapts so that each takes about k_step_time, pausing after each as long
// as it took: the listener's commits get the lock at least half the time, and wait a few milliseconds at most.
class Pacer {
public:
  // Calls step(size) until it returns false.
  template <class Step> void run(Step step)
  {
    for (bool more = true; more;) {
      const auto start = std::chrono::steady_clock::now();
      more = step(m_size);
      const auto took = std::chrono::steady_clock::now() - start;
      if (took < k_step_time / 2) {
        m_size = std::min<std::int64_t>(m_size * 2, 10'000);
      } else if (took > k_step_time) {
        m_size = std::max<std::int64_t>(m_size / 2, 1);
      }
      std::this_thread::sleep_for(took);
    }
  }

private:
  std::int64_t m_size = 16;
};

std::uint64_t file_size(const std::string& path)
{
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

class SqlitePruner final : public Pruner {
public:
  SqlitePruner(std::string path, Database db) : m_path(std::move(path)), m_db(std::move(db)) {}

  Pruned prune(const Retention& retention, bool dry_run, const std::string& described) override
  {
    try {
      Pruned out;
      out.bytes_before = file_size(m_path);
      const auto [first, last] = range();
      const std::int64_t wanted = cutoff(retention, first, last);
      std::int64_t cut = wanted;
      if (const auto [hold, consumer] = held(); hold && cut > *hold) {
        out.kept_back = cut - std::max(*hold, first);
        out.kept_for = consumer;
        cut = std::max(*hold, first);
      }
      out.deliveries = std::max<std::int64_t>(0, cut - first); // sequence numbers are dense: only prefixes go
      out.refused = retention.since ? refused_before(*retention.since) : 0;
      out.shrinks = int_pragma("auto_vacuum") == 2;
      if (dry_run) {
        out.below = std::max(pruned_below(), cut);
        out.bytes_after = out.bytes_before;
        return out;
      }
      remove(first, cut, retention);
      remember(cut, described);
      give_back();
      // A size is met from an average: what is left may still be over it. Once more from what is there now.
      // Pages only partly freed give back less than the average says: each pass takes at least 2% of what is left.
      for (int pass = 0; pass < 8 && retention.max_bytes && file_size(m_path) > *retention.max_bytes; ++pass) {
        const auto [now_first, now_last] = range();
        const std::int64_t at_least = std::min(now_last, now_first + (now_last - now_first + 1) / 50 + 1);
        const std::int64_t again =
            std::min(std::max(cutoff(retention, now_first, now_last), at_least), held().first.value_or(now_last));
        if (again <= now_first) {
          break;
        }
        remove(now_first, again, retention);
        remember(again, described);
        give_back();
        out.deliveries += again - now_first;
      }
      out.below = pruned_below();
      out.bytes_after = file_size(m_path);
      return out;
    } catch (const SqliteError& e) {
      throw_journal_error(m_path, e);
    }
  }

private:
  // The oldest and newest sequence numbers of deliveries; (1, 0) when there are none.
  std::pair<std::int64_t, std::int64_t> range()
  {
    Statement st(m_db, "SELECT coalesce(min(seq), 1), coalesce(max(seq), 0) FROM deliveries");
    st.step();
    return {st.int64(0), st.int64(1)};
  }

  // The first sequence number retention keeps. The newest delivery always stays: it carries the numbering on.
  std::int64_t cutoff(const Retention& r, std::int64_t first, std::int64_t last)
  {
    std::int64_t cut = first;
    if (r.since) {
      // The first delivery, in sequence order, received at or after `since`. Deliveries are committed a little out of
      // order of their received times, so it is the smallest sequence number among those received within a minute
      // of the first one so received (a range of the received index).
      Statement st(m_db, "SELECT min(seq) FROM deliveries WHERE received >= ?1 AND received <= strftime("
                         "'%Y-%m-%dT%H:%M:%fZ', (SELECT received FROM deliveries WHERE received >= ?1 ORDER BY "
                         "received LIMIT 1), '+1 minute')");
      st.bind(1, util::format_rfc3339(*r.since));
      cut = std::max(cut, st.step() && !st.is_null(0) ? st.int64(0) : last + 1);
    }
    const std::uint64_t used =
        static_cast<std::uint64_t>(int_pragma("page_count") - int_pragma("freelist_count")) * page_size();
    if (r.max_bytes && used > *r.max_bytes && last >= first) {
      // The oldest go until what stays fits, at the journal's average size of a delivery.
      const double per_record = static_cast<double>(used) / static_cast<double>(last - first + 1);
      const double excess = static_cast<double>(used - *r.max_bytes) * 1.02 + static_cast<double>(page_size());
      cut = std::max(cut, first + static_cast<std::int64_t>(excess / per_record) + 1);
    }
    return std::min(cut, last);
  }

  // The first event some forward consumer still has to hand over, and that consumer.
  std::pair<std::optional<std::int64_t>, std::string> held()
  {
    Statement st(m_db, "SELECT name, watermark FROM consumers ORDER BY watermark, name LIMIT 1");
    if (!st.step()) {
      return {std::nullopt, {}};
    }
    return {st.int64(1) + 1, st.text(0)};
  }

  std::int64_t refused_before(util::Instant since)
  {
    Statement st(m_db, "SELECT count(*) FROM refused WHERE received < ?1");
    st.bind(1, util::format_rfc3339(since));
    st.step();
    return st.int64(0);
  }

  // Removes deliveries below `cut`, paced.
  void remove(std::int64_t first, std::int64_t cut, const Retention& retention)
  {
    // Duplicates that stay but were stored as references to an original that goes keep their bytes.
    std::vector<std::int64_t> references;
    Statement find(m_db, "SELECT seq FROM deliveries INDEXED BY deliveries_duplicate WHERE status = 'duplicate' AND "
                         "seq >= ?1 AND original > 0 AND original < ?1 AND length(body) = 0");
    for (find.bind(1, cut); find.step();) {
      references.push_back(find.int64(0));
    }
    Statement keep(m_db, "UPDATE deliveries SET body = (SELECT o.body FROM deliveries o WHERE o.seq = "
                         "deliveries.original) WHERE seq = ?1");
    std::size_t next = 0;
    Pacer().run([&](std::int64_t size) {
      transaction([&] {
        for (std::int64_t i = 0; i < size && next < references.size(); ++i) {
          keep.bind(1, references[next++]).run();
        }
      });
      return next < references.size();
    });
    Statement batch(m_db, "DELETE FROM deliveries WHERE seq >= ?1 AND seq < ?2");
    std::int64_t from = first;
    Pacer().run([&](std::int64_t size) {
      const std::int64_t to = std::min(cut, from + size);
      transaction([&] { batch.bind(1, from).bind(2, to).run(); });
      from = to;
      return from < cut;
    });
    transaction([&] {
      Statement marks(m_db, "DELETE FROM consumer_marks WHERE seq < ?1");
      marks.bind(1, cut).run();
      Statement attempts(m_db, "DELETE FROM consumer_attempts WHERE seq < ?1");
      attempts.bind(1, cut).run();
      if (retention.since) {
        Statement refused(m_db, "DELETE FROM refused WHERE received < ?1");
        refused.bind(1, util::format_rfc3339(*retention.since)).run();
      }
    });
  }

  void remember(std::int64_t cut, const std::string& described)
  {
    transaction([&] {
      Statement put(m_db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
      if (cut > pruned_below()) {
        put.bind(1, "pruned_below").bind(2, std::to_string(cut)).run();
      }
      put.bind(1, "pruned_at").bind(2, util::format_rfc3339(util::now())).run();
      if (!described.empty()) {
        put.bind(1, "retention").bind(2, described).run();
      }
    });
  }

  // Gives the freed pages back to the file system, paced, then checkpoints if no writer is busy: the file shrinks once
  // the WAL is copied back (now when the journal is at rest; under a listener, by its next checkpoint).
  void give_back()
  {
    if (int_pragma("auto_vacuum") != 2) {
      return;
    }
    Pacer().run([&](std::int64_t size) {
      const auto before = int_pragma("freelist_count");
      if (before == 0) {
        return false;
      }
      m_db.exec(fmt::format("PRAGMA incremental_vacuum({})", size));
      return int_pragma("freelist_count") < before;
    });
    m_db.checkpoint();
  }

  template <class F> void transaction(F f)
  {
    m_db.exec("BEGIN IMMEDIATE");
    try {
      f();
      m_db.exec("COMMIT");
    } catch (...) {
      m_db.rollback_quietly();
      throw;
    }
  }

  std::int64_t int_pragma(const char* name)
  {
    Statement st(m_db, fmt::format("PRAGMA {}", name));
    return st.step() ? st.int64(0) : 0;
  }

  std::uint64_t page_size() { return static_cast<std::uint64_t>(int_pragma("page_size")); }

  std::string meta(const char* key)
  {
    Statement st(m_db, "SELECT value FROM meta WHERE key = ?1");
    st.bind(1, key);
    return st.step() ? st.text(0) : std::string();
  }

  std::int64_t pruned_below()
  {
    const std::string v = meta("pruned_below");
    return v.empty() ? 0 : std::stoll(v);
  }

  std::string m_path;
  Database m_db;
};

} // namespace

std::unique_ptr<Pruner> open_pruner(const std::string& path)
{
  // Synchronous NORMAL: a prune lost to a crash is done again by the next one.
  return std::make_unique<SqlitePruner>(path, open_beside_writer(path));
}

} // namespace acx::journal::in_sqlite
