#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace acx::sqlite {
class Database;
}

namespace acx::sandbox {

// What the emulated company keeps: its jobs and contacts, and each one's history. One company per API key (an
// AccuLynx key belongs to one location), which sees nothing of another's.
enum class Kind { job, contact };

// A job or a contact: its fields as AccuLynx shows them, without id and _link (added on the way out).
struct Record {
  std::string id;
  std::string created; // RFC 3339 UTC, 7 fractional digits: sorts as text
  std::string modified;
  std::int64_t number = 0; // a job's number in its company, 1, 2, ...
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
};

// One line of a job's or contact's history: what changed, when, and the topic the change was delivered as.
struct HistoryEntry {
  std::int64_t seq = 0;
  std::string subject_id;
  std::string at;
  std::string action; // JobCreated, JobUpdated, MilestoneChanged, ContactAdded, ContactChanged
  std::string description;
  std::string topic;
};

// One milestone a job reached.
struct MilestoneEntry {
  std::int64_t seq = 0;
  std::string job_id;
  std::string at;
  int milestone_id = 0;
  std::string name;
};

// Which jobs, in which order: GET /jobs's dateFilterType, startDate/endDate (start inclusive, end exclusive, as
// RFC 3339 text), sortBy and sortOrder.
struct JobQuery {
  enum class Field { created, modified };
  std::optional<Field> date_field;
  std::string start;
  std::string end;
  enum class Sort { created, modified, name, number };
  Sort sort = Sort::created;
  bool descending = false;
};

// The companies' records in SQLite, beside the subscriptions in sandbox.db (a connection of its own). Thread-safe.
class Records {
public:
  // Opens the database at `path` (made by Store). Throws acx::Error (io).
  explicit Records(const std::string& path);
  ~Records();

  std::optional<Record> get(Kind kind, const std::string& company, const std::string& id) const;
  std::vector<Record> contacts(const std::string& company) const;
  std::vector<Record> jobs(const std::string& company, const JobQuery& query) const;
  // Inserts or replaces; a new job (number 0) is given the company's next number.
  Record put(Kind kind, const std::string& company, Record record);

  void add_history(const std::string& company, HistoryEntry entry);
  // A subject's history in order; start/end bound `at` (start inclusive, end exclusive; empty: open).
  std::vector<HistoryEntry> history(const std::string& company, const std::string& subject_id,
                                    const std::string& start = {}, const std::string& end = {}) const;
  void add_milestone(const std::string& company, MilestoneEntry entry);
  std::vector<MilestoneEntry> milestones(const std::string& company, const std::string& job_id) const;

private:
  mutable std::mutex m_mutex;
  std::unique_ptr<sqlite::Database> m_db;
};

} // namespace acx::sandbox
