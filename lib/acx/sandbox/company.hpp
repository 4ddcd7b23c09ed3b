#pragma once

// The emulated company's business: creating and changing jobs and contacts as AccuLynx would, each change written to
// the subject's history and delivered, as the event AccuLynx sends for it, to every subscription of the company
// that listens to its topic. The views (a job, a contact, a history line) are written here for the API's answers and
// the events alike, so a delivery's fields and _link match what the API then shows.

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "acx/sandbox/admin.hpp"
#include "acx/sandbox/answers.hpp"
#include "acx/sandbox/records.hpp"

namespace acx::sandbox {

class Deliverer;
class Store;

using View = nlohmann::ordered_json;

// Who asks and where the answers' links must point: the API key's company and the sandbox's origin as the client
// reached it ("http://127.0.0.1:8788"); every _link is origin + /api/v2/...
struct Caller {
  std::string company;
  std::string origin;
};

// AccuLynx's standard workflow, in order; ids 1...
std::vector<std::string_view> milestone_names();

inline constexpr const char* k_api_path = "/api/v2";

class Company {
public:
  Company(Records& records, Store& store, Deliverer& deliverer);

  // POST /contacts: needs firstName or lastName (strings). contact_added.
  View add_contact(const Caller& c, const nlohmann::json& body);
  // acx sandbox contact update: PATH=VALUE edits of its fields. contact_changed.
  View update_contact(const Caller& c, const std::string& id, const std::vector<std::string>& assignments);
  // POST /jobs/Createjob: needs the contactId of the company's contact; jobName, leadSource, jobCategory,
  // locationAddress taken when given. The job starts at the first milestone. job_created.
  View create_job(const Caller& c, const nlohmann::json& body);
  // acx sandbox job update. job_updated.
  View update_job(const Caller& c, const std::string& id, const std::vector<std::string>& assignments);
  // acx sandbox job milestone: one of milestone_names(), any case. job.milestone.current_changed.
  View change_milestone(const Caller& c, const std::string& id, const std::string& name);

  // The API's views, each with its id and _link.
  View contact_view(const Caller& c, const Record& r) const;
  View job_view(const Caller& c, const Record& r) const;
  View history_view(const Caller& c, const HistoryEntry& h) const;
  View milestone_view(const Caller& c, const MilestoneEntry& m) const;
  std::string link(const Caller& c, std::string_view path) const;

  // A canned event (emit, test-event) made true: its _links point at this sandbox, and the job or contact it names
  // exists in the company (made quietly, without an event, when it did not).
  std::string localize(const Caller& c, const std::string& body);

private:
  // Delivers `event` as `topic` to every enabled subscription of the company listening to it.
  std::vector<Emitted> publish(const Caller& c, const std::string& topic, View event, const std::string& at);
  Record job_or_refuse(const Caller& c, const std::string& id) const;
  Record contact_or_refuse(const Caller& c, const std::string& id) const;
  void record(const Caller& c, const std::string& subject, const std::string& at, const char* action,
              std::string description, const char* topic);

  Records& m_records;
  Store& m_store;
  Deliverer& m_deliverer;
};

} // namespace acx::sandbox
