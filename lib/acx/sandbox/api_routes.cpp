#include "acx/sandbox/api_routes.hpp"

#include <fmt/format.h>

#include "acx/sandbox/admin.hpp"
#include "acx/sandbox/answers.hpp"
#include "acx/sandbox/company.hpp"
#include "acx/sandbox/gate.hpp"
#include "acx/sandbox/records.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::sandbox {

namespace {

using answer::json;
using http::Request;
using http::Response;
namespace wire = acculynx::wire;

// startDate/endDate: a date (the whole day; an end date is included) or an RFC 3339 date-time in UTC, as the text
// the records compare with. Throws Refused.
std::string bound(const Request& r, const char* key, bool end)
{
  const std::string given = answer::query_string(r, key);
  if (given.empty()) {
    return {};
  }
  const bool day = given.size() == 10;
  const auto t = util::parse_rfc3339_utc(day ? given + "T00:00:00Z" : given);
  if (!t) {
    throw Refused(fmt::format("{} must be a date (2026-05-26) or a date-time in UTC (2026-05-26T14:00:00Z), not '{}'",
                              key, util::excerpt(given)));
  }
  return util::format_rfc3339(day && end ? util::Instant{t->seconds + 86'400, 0} : *t);
}

template <class T>
T choose(const Request& r, const char* key, T fallback, std::initializer_list<std::pair<const char*, T>> names)
{
  const std::string given = answer::query_string(r, key);
  if (given.empty()) {
    return fallback;
  }
  std::vector<std::string> known;
  for (const auto& [name, value] : names) {
    if (util::iequals(given, name)) {
      return value;
    }
    known.emplace_back(name);
  }
  throw Refused(fmt::format("{} '{}' is not one of {}", key, util::excerpt(given), fmt::join(known, ", ")));
}

JobQuery job_query(const Request& r)
{
  using F = JobQuery::Field;
  using S = JobQuery::Sort;
  JobQuery q;
  q.start = bound(r, "startDate", false);
  q.end = bound(r, "endDate", true);
  const F field = choose<F>(r, "dateFilterType", F::created,
                            {{"CreatedDate", F::created},
                             {"Created", F::created},
                             {"ModifiedDate", F::modified},
                             {"Modified", F::modified},
                             {"LastModified", F::modified}});
  if (!answer::query_string(r, "dateFilterType").empty() || !q.start.empty() || !q.end.empty()) {
    q.date_field = field;
  }
  q.sort = choose<S>(r, "sortBy", S::created,
                     {{"CreatedDate", S::created},
                      {"Created", S::created},
                      {"ModifiedDate", S::modified},
                      {"Modified", S::modified},
                      {"JobName", S::name},
                      {"Name", S::name},
                      {"JobNumber", S::number},
                      {"Number", S::number}});
  q.descending =
      choose<bool>(r, "sortOrder", false, {{"Ascending", false}, {"Asc", false}, {"Descending", true}, {"Desc", true}});
  return q;
}

} // namespace

ApiRoutes::ApiRoutes(Records& records, Company& company, Gate& gate, const Options& options)
    : m_records(records), m_company(company), m_gate(gate), m_options(options)
{
}

std::vector<http::Route> ApiRoutes::routes()
{
  const std::string api = k_api_path;
  return {
      {"GET", api + "/diagnostics/ping", m_gate.guard(this, &ApiRoutes::ping)},
      {"GET", api + "/contacts", m_gate.guard(this, &ApiRoutes::list_contacts)},
      {"POST", api + "/contacts", m_gate.guard(this, &ApiRoutes::add_contact)},
      {"GET", api + "/contacts/{contactId}", m_gate.guard(this, &ApiRoutes::show_contact)},
      {"GET", api + "/jobs", m_gate.guard(this, &ApiRoutes::list_jobs)},
      {"POST", api + "/jobs/Createjob", m_gate.guard(this, &ApiRoutes::create_job)},
      {"GET", api + "/jobs/{jobId}", m_gate.guard(this, &ApiRoutes::show_job)},
      {"GET", api + "/jobs/{jobId}/history", m_gate.guard(this, &ApiRoutes::job_history)},
      {"GET", api + "/jobs/{jobId}/milestone-history", m_gate.guard(this, &ApiRoutes::milestone_history)},
      {"GET", api + "/jobs/{jobId}/milestones/current", m_gate.guard(this, &ApiRoutes::current_milestone)},
      {"POST", admin::k_job_milestone, m_gate.guard(this, &ApiRoutes::change_milestone, false)},
      {"POST", admin::k_job_update, m_gate.guard(this, &ApiRoutes::update_job, false)},
      {"POST", admin::k_contact_update, m_gate.guard(this, &ApiRoutes::update_contact, false)},
  };
}

Caller ApiRoutes::caller(const Request& r, const std::string& key) const
{
  return {key, answer::origin(r, m_options.host)};
}

Record ApiRoutes::job(const Request& r, const std::string& key) const
{
  auto found = m_records.get(Kind::job, key, r.params[0]);
  if (!found) {
    throw Refused(fmt::format("no job {}", util::excerpt(r.params[0])), true);
  }
  return *found;
}

Response ApiRoutes::ping(const Request&, const std::string&)
{
  return json(200, {{"status", "OK"}, {"message", "pong from acx sandbox"}});
}

Response ApiRoutes::list_contacts(const Request& r, const std::string& key)
{
  const auto asked = answer::page_asked(r, wire::k_page_start);
  if (!asked) {
    return answer::bad_page(wire::k_page_start);
  }
  const Caller c = caller(r, key);
  return answer::page(m_records.contacts(key), *asked, [&](const Record& x) { return m_company.contact_view(c, x); });
}

Response ApiRoutes::add_contact(const Request& r, const std::string& key)
{
  return json(200, m_company.add_contact(caller(r, key), answer::body_of(r)));
}

Response ApiRoutes::show_contact(const Request& r, const std::string& key)
{
  const auto found = m_records.get(Kind::contact, key, r.params[0]);
  if (!found) {
    throw Refused(fmt::format("no contact {}", util::excerpt(r.params[0])), true);
  }
  return json(200, m_company.contact_view(caller(r, key), *found));
}

Response ApiRoutes::list_jobs(const Request& r, const std::string& key)
{
  const auto asked = answer::page_asked(r, wire::k_record_start);
  if (!asked) {
    return answer::bad_page(wire::k_record_start);
  }
  const Caller c = caller(r, key);
  return answer::page(m_records.jobs(key, job_query(r)), *asked,
                      [&](const Record& x) { return m_company.job_view(c, x); });
}

Response ApiRoutes::create_job(const Request& r, const std::string& key)
{
  return json(200, m_company.create_job(caller(r, key), answer::body_of(r)));
}

Response ApiRoutes::show_job(const Request& r, const std::string& key)
{
  return json(200, m_company.job_view(caller(r, key), job(r, key)));
}

Response ApiRoutes::job_history(const Request& r, const std::string& key)
{
  const auto asked = answer::page_asked(r, wire::k_record_start);
  if (!asked) {
    return answer::bad_page(wire::k_record_start);
  }
  const Record j = job(r, key);
  const Caller c = caller(r, key);
  return answer::page(m_records.history(key, j.id, bound(r, "startDate", false), bound(r, "endDate", true)), *asked,
                      [&](const HistoryEntry& h) { return m_company.history_view(c, h); });
}

Response ApiRoutes::milestone_history(const Request& r, const std::string& key)
{
  const auto asked = answer::page_asked(r, wire::k_record_start);
  if (!asked) {
    return answer::bad_page(wire::k_record_start);
  }
  const Record j = job(r, key);
  const Caller c = caller(r, key);
  return answer::page(m_records.milestones(key, j.id), *asked,
                      [&](const MilestoneEntry& m) { return m_company.milestone_view(c, m); });
}

Response ApiRoutes::current_milestone(const Request& r, const std::string& key)
{
  const Record j = job(r, key);
  const auto reached = m_records.milestones(key, j.id);
  const Caller c = caller(r, key);
  if (reached.empty()) {
    throw Refused(fmt::format("job {} has no milestone", j.id), true);
  }
  const auto& m = reached.back();
  return json(200, {{"id", m.milestone_id},
                    {"_link", m_company.link(c, "/jobs/" + j.id + "/milestones/current")},
                    {"name", m.name},
                    {"date", m.at}});
}

Response ApiRoutes::change_milestone(const Request& r, const std::string& key)
{
  return json(
      200, m_company.change_milestone(caller(r, key), r.params[0], wire::text_member(answer::body_of(r), "milestone")));
}

Response ApiRoutes::update_job(const Request& r, const std::string& key)
{
  return json(200, m_company.update_job(caller(r, key), r.params[0], admin::assignments_from(answer::body_of(r))));
}

Response ApiRoutes::update_contact(const Request& r, const std::string& key)
{
  return json(200, m_company.update_contact(caller(r, key), r.params[0], admin::assignments_from(answer::body_of(r))));
}

} // namespace acx::sandbox
