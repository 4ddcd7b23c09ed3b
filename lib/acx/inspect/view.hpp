#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acx/http/message.hpp"
#include "acx/journal/journal.hpp"

namespace acx::inspect {

// What a list is filtered by: all of it lives in the URL.
struct Filters {
  std::string topic, verdict, subscription, text, since, until;

  static Filters of(const http::Request& r);
  // The filters as a query string (without a leading '?').
  std::string query() const;
  bool wants_deliveries() const
  {
    return verdict.empty() || verdict == "accepted" || verdict == "duplicate" || verdict == "drift";
  }
  bool wants_refused() const { return verdict.empty() || verdict == "refused"; }
  // The journal query for deliveries, or for refused records.
  journal::Query base(bool refused) const;
};

// A place in both numbering spaces, "a12.r7": deliveries (accepted, duplicate) and refused ones.
struct Cursor {
  std::int64_t a = 0;
  std::int64_t r = 0;
  static Cursor parse(const std::string& text);
  std::string str() const;
};

// The journal as the page reads it: one connection, opened at first use, shared by the page's threads.
class JournalView {
public:
  explicit JournalView(std::string path) : m_path(std::move(path)) {}
  const std::string& path() const { return m_path; }

  // The newest `limit` records the filters select below `before`, deliveries and refused ones merged by time.
  std::vector<journal::Record> page(const Filters& f, Cursor before, std::size_t limit);
  // The records after `after`, oldest first (live updates).
  std::vector<journal::Record> newer(const Filters& f, Cursor after);
  // The newest sequence numbers now, in both spaces: where live updates start.
  Cursor head();
  // The record "a12" (a delivery) or "r7" (a refused one), or nullopt.
  std::optional<journal::Record> find(const std::string& id);
  // Why find(id) found nothing: not in the journal, or pruned.
  std::string not_found(const std::string& id);
  // The accepted record a duplicate repeats, or 0.
  std::int64_t original_of(const journal::Record& r);
  // Where a walk over every record the filters select has got to.
  struct Walk {
    bool refused = false; // deliveries first, then refused records
    bool done = false;
    std::int64_t after_seq = 0;
  };
  // The next records of a walk over every record the filters select, oldest first, headers decoded: at most
  // `limit`, and none once the walk is done. A walk holds no lock between calls, so an export can be sent as it is
  // read.
  std::vector<journal::Record> next(const Filters& f, Walk& walk, std::size_t limit);

private:
  // Reads deliveries and refused records alike: `shape` sets each query's place and order.
  std::vector<journal::Record> read_both(const Filters& f, const std::function<void(journal::Query&, bool)>& shape);
  journal::Reader& open();

  std::string m_path;
  std::mutex m_mutex;
  std::unique_ptr<journal::Reader> m_reader;
};

} // namespace acx::inspect
