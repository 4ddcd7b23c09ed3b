#include "acx/sandbox/records.hpp"

#include <fmt/format.h>

#include "acx/event/json_text.hpp"
#include "acx/sqlite/sqlite.hpp"
#include "acx/util/error.hpp"

namespace acx::sandbox {

namespace {

using sqlite::Statement;

const char* table_of(Kind kind)
{
  return kind == Kind::job ? "jobs" : "contacts";
}

constexpr const char* k_record_columns = "id, created, modified, number, fields";

Record read_record(const Statement& st)
{
  Record r;
  r.id = st.text(0);
  r.created = st.text(1);
  r.modified = st.text(2);
  r.number = st.int64(3);
  r.fields = nlohmann::ordered_json::parse(st.text(4), nullptr, false);
  if (!r.fields.is_object()) {
    r.fields = nlohmann::ordered_json::object();
  }
  return r;
}

std::string order_of(const JobQuery& q)
{
  const char* column = q.sort == JobQuery::Sort::modified ? "modified"
                       : q.sort == JobQuery::Sort::name   ? "json_extract(fields, '$.jobName')"
                       : q.sort == JobQuery::Sort::number ? "number"
                                                          : "created";
  const char* way = q.descending ? "DESC" : "ASC";
  return fmt::format("{} {}, number {}", column, way, way);
}

} // namespace

Records::Records(const std::string& path)
{
  try {
    m_db = std::make_unique<sqlite::Database>(path, false);
    m_db->busy_timeout(std::chrono::seconds(5));
    m_db->exec(R"sql(
CREATE TABLE IF NOT EXISTS contacts (id TEXT NOT NULL, company TEXT NOT NULL, created TEXT NOT NULL,
  modified TEXT NOT NULL, number INTEGER NOT NULL, fields TEXT NOT NULL, PRIMARY KEY(company, id));
CREATE TABLE IF NOT EXISTS jobs (id TEXT NOT NULL, company TEXT NOT NULL, created TEXT NOT NULL,
  modified TEXT NOT NULL, number INTEGER NOT NULL, fields TEXT NOT NULL, PRIMARY KEY(company, id));
CREATE INDEX IF NOT EXISTS jobs_company ON jobs(company, created);
CREATE TABLE IF NOT EXISTS history (seq INTEGER PRIMARY KEY, company TEXT NOT NULL, subject_id TEXT NOT NULL,
  at TEXT NOT NULL, action TEXT NOT NULL, description TEXT NOT NULL, topic TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_subject ON history(company, subject_id, seq);
CREATE TABLE IF NOT EXISTS milestones (seq INTEGER PRIMARY KEY, company TEXT NOT NULL, job_id TEXT NOT NULL,
  at TEXT NOT NULL, milestone_id INTEGER NOT NULL, name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS milestones_job ON milestones(company, job_id, seq);
)sql");
  } catch (const sqlite::SqliteError& e) {
    throw Error(ExitCode::io, fmt::format("cannot open the sandbox's records {}: {}", path, e.message));
  }
}

Records::~Records() = default;

std::optional<Record> Records::get(Kind kind, const std::string& company, const std::string& id) const
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db,
               fmt::format("SELECT {} FROM {} WHERE company = ?1 AND id = ?2", k_record_columns, table_of(kind)));
  st.bind(1, company).bind(2, id);
  if (!st.step()) {
    return std::nullopt;
  }
  return read_record(st);
}

std::vector<Record> Records::contacts(const std::string& company) const
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db,
               fmt::format("SELECT {} FROM contacts WHERE company = ?1 ORDER BY created, number", k_record_columns));
  st.bind(1, company);
  std::vector<Record> out;
  while (st.step()) {
    out.push_back(read_record(st));
  }
  return out;
}

std::vector<Record> Records::jobs(const std::string& company, const JobQuery& q) const
{
  std::string where = "company = ?1";
  if (q.date_field) {
    const char* column = *q.date_field == JobQuery::Field::created ? "created" : "modified";
    where += fmt::format(" AND (?2 = '' OR {0} >= ?2) AND (?3 = '' OR {0} < ?3)", column);
  }
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, fmt::format("SELECT {} FROM jobs WHERE {} ORDER BY {}", k_record_columns, where, order_of(q)));
  st.bind(1, company);
  if (q.date_field) {
    st.bind(2, q.start).bind(3, q.end);
  }
  std::vector<Record> out;
  while (st.step()) {
    out.push_back(read_record(st));
  }
  return out;
}

Record Records::put(Kind kind, const std::string& company, Record r)
{
  std::lock_guard lock(m_mutex);
  const char* table = table_of(kind);
  if (r.number == 0) {
    Statement next(*m_db, fmt::format("SELECT COALESCE(MAX(number), 0) + 1 FROM {} WHERE company = ?1", table));
    next.bind(1, company);
    next.step();
    r.number = next.int64(0);
  }
  Statement st(*m_db, fmt::format("INSERT OR REPLACE INTO {}(company, {}) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", table,
                                  k_record_columns));
  st.bind(1, company)
      .bind(2, r.id)
      .bind(3, r.created)
      .bind(4, r.modified)
      .bind(5, r.number)
      .bind(6, event::json_text(r.fields))
      .run();
  return r;
}

void Records::add_history(const std::string& company, HistoryEntry e)
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, "INSERT INTO history(company, subject_id, at, action, description, topic) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  st.bind(1, company).bind(2, e.subject_id).bind(3, e.at).bind(4, e.action).bind(5, e.description).bind(6, e.topic);
  st.run();
}

std::vector<HistoryEntry> Records::history(const std::string& company, const std::string& subject_id,
                                           const std::string& start, const std::string& end) const
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, "SELECT seq, subject_id, at, action, description, topic FROM history WHERE company = ?1 AND "
                      "subject_id = ?2 AND (?3 = '' OR at >= ?3) AND (?4 = '' OR at < ?4) ORDER BY seq");
  st.bind(1, company).bind(2, subject_id).bind(3, start).bind(4, end);
  std::vector<HistoryEntry> out;
  while (st.step()) {
    out.push_back({st.int64(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5)});
  }
  return out;
}

void Records::add_milestone(const std::string& company, MilestoneEntry e)
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, "INSERT INTO milestones(company, job_id, at, milestone_id, name) VALUES(?1, ?2, ?3, ?4, ?5)");
  st.bind(1, company)
      .bind(2, e.job_id)
      .bind(3, e.at)
      .bind(4, static_cast<std::int64_t>(e.milestone_id))
      .bind(5, e.name);
  st.run();
}

std::vector<MilestoneEntry> Records::milestones(const std::string& company, const std::string& job_id) const
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, "SELECT seq, job_id, at, milestone_id, name FROM milestones WHERE company = ?1 AND job_id = ?2 "
                      "ORDER BY seq");
  st.bind(1, company).bind(2, job_id);
  std::vector<MilestoneEntry> out;
  while (st.step()) {
    out.push_back({st.int64(0), st.text(1), st.text(2), static_cast<int>(st.int64(3)), st.text(4)});
  }
  return out;
}

} // namespace acx::sandbox
