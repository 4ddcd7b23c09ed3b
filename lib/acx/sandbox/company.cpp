#include "acx/sandbox/company.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/event/edit.hpp"
#include "acx/event/json_text.hpp"
#include "acx/sandbox/deliverer.hpp"
#include "acx/sandbox/store.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::sandbox {

namespace {

constexpr std::string_view k_milestones[] = {"Lead",     "Prospect", "Approved", "Completed",
                                             "Invoiced", "Closed",   "Cancelled"};
// Where AccuLynx's own links point; a canned event's are moved to the sandbox.
constexpr std::string_view k_acculynx_origin = "https://api.acculynx.com";

std::string now_text()
{
  return util::format_rfc3339(util::now());
}

template <class Json> std::string string_field(const Json& j, const char* key)
{
  if (j.is_object()) {
    if (const auto it = j.find(key); it != j.end()) {
      if (it->is_string()) {
        return it->template get<std::string>();
      }
      if (!it->is_null()) {
        throw Refused(fmt::format("{} must be a string", key));
      }
    }
  }
  return {};
}

// PATH=VALUE edits of a record's fields; the members the sandbox keeps itself cannot be set.
void edit(Record& r, const std::vector<std::string>& assignments, std::initializer_list<std::string_view> kept)
{
  if (assignments.empty()) {
    throw Refused("nothing to change: give PATH=VALUE edits (set)");
  }
  for (const auto& a : assignments) {
    const std::string_view root = std::string_view(a).substr(0, a.find_first_of(".="));
    if (std::find(kept.begin(), kept.end(), root) != kept.end()) {
      throw Refused(fmt::format("'{}' is kept by the sandbox and cannot be set", util::excerpt(std::string(root))));
    }
    try {
      event::apply_assignment(r.fields, a);
    } catch (const Error& e) {
      throw Refused(e.what());
    }
  }
}

const nlohmann::ordered_json* member_ci(const nlohmann::ordered_json& j, std::string_view key)
{
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (util::iequals(it.key(), key)) {
      return &*it;
    }
  }
  return nullptr;
}

void move_links(nlohmann::ordered_json& j, const std::string& origin)
{
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "_link" && it->is_string() && it->get<std::string>().starts_with(k_acculynx_origin)) {
        *it = origin + it->get<std::string>().substr(k_acculynx_origin.size());
      } else {
        move_links(*it, origin);
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) {
      move_links(v, origin);
    }
  }
}

} // namespace

std::vector<std::string_view> milestone_names()
{
  return {std::begin(k_milestones), std::end(k_milestones)};
}

Company::Company(Records& records, Store& store, Deliverer& deliverer)
    : m_records(records), m_store(store), m_deliverer(deliverer)
{
}

std::string Company::link(const Caller& c, std::string_view path) const
{
  return c.origin + k_api_path + std::string(path);
}

View Company::contact_view(const Caller& c, const Record& r) const
{
  View v{{"id", r.id}, {"_link", link(c, "/contacts/" + r.id)}};
  for (auto it = r.fields.begin(); it != r.fields.end(); ++it) {
    v[it.key()] = *it;
  }
  v["createdDate"] = r.created;
  v["modifiedDate"] = r.modified;
  return v;
}

View Company::job_view(const Caller& c, const Record& r) const
{
  View v{{"id", r.id}, {"_link", link(c, "/jobs/" + r.id)}, {"jobNumber", fmt::format("{:04}", r.number)}};
  for (auto it = r.fields.begin(); it != r.fields.end(); ++it) {
    v[it.key()] = *it;
  }
  if (auto* contacts = &v["contacts"]; contacts->is_array()) {
    for (auto& entry : *contacts) {
      if (entry.is_object() && entry["contact"].is_object() && entry["contact"]["id"].is_string()) {
        entry["contact"]["_link"] = link(c, "/contacts/" + entry["contact"]["id"].get<std::string>());
      }
    }
  }
  v["createdDate"] = r.created;
  v["modifiedDate"] = r.modified;
  return v;
}

View Company::history_view(const Caller& c, const HistoryEntry& h) const
{
  return {{"id", std::to_string(h.seq)},
          {"_link", link(c, "/jobs/" + h.subject_id + "/history")},
          {"date", h.at},
          {"action", h.action},
          {"description", h.description}};
}

View Company::milestone_view(const Caller& c, const MilestoneEntry& m) const
{
  return {{"id", std::to_string(m.seq)},
          {"_link", link(c, "/jobs/" + m.job_id + "/milestone-history")},
          {"milestone", {{"id", m.milestone_id}, {"name", m.name}}},
          {"date", m.at}};
}

Record Company::job_or_refuse(const Caller& c, const std::string& id) const
{
  auto r = m_records.get(Kind::job, c.company, id);
  if (!r) {
    throw Refused(fmt::format("no job {}", util::excerpt(id)), true);
  }
  return *r;
}

Record Company::contact_or_refuse(const Caller& c, const std::string& id) const
{
  auto r = m_records.get(Kind::contact, c.company, id);
  if (!r) {
    throw Refused(fmt::format("no contact {}", util::excerpt(id)), true);
  }
  return *r;
}

void Company::record(const Caller& c, const std::string& subject, const std::string& at, const char* action,
                     std::string description, const char* topic)
{
  m_records.add_history(c.company, {0, subject, at, action, std::move(description), topic});
}

std::vector<Emitted> Company::publish(const Caller& c, const std::string& topic, View event, const std::string& at)
{
  std::vector<Emitted> queued;
  for (const auto& kept : m_store.list(c.company)) {
    const auto& s = kept.subscription;
    if (s.status != "enabled" || std::find(s.topics.begin(), s.topics.end(), topic) == s.topics.end()) {
      continue;
    }
    const std::string id = util::new_guid();
    const View envelope{
        {"topicName", topic}, {"eventDateTime", at}, {"eventId", id}, {"subscriptionId", s.id}, {"event", event}};
    m_deliverer.enqueue(kept, event::json_text(envelope), id, topic);
    queued.push_back({s.id, id});
  }
  return queued;
}

View Company::add_contact(const Caller& c, const nlohmann::json& body)
{
  if (!body.is_object()) {
    throw Refused("the body must be a JSON object with firstName or lastName");
  }
  const std::string first = string_field(body, "firstName");
  const std::string last = string_field(body, "lastName");
  if (first.empty() && last.empty()) {
    throw Refused("a contact needs firstName or lastName");
  }
  Record r;
  r.id = util::new_guid();
  r.created = r.modified = now_text();
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "id" && it.key() != "_link" && it.key() != "createdDate" && it.key() != "modifiedDate") {
      r.fields[it.key()] = *it;
    }
  }
  r = m_records.put(Kind::contact, c.company, std::move(r));
  record(c, r.id, r.created, "ContactAdded", fmt::format("Contact {} {} added", first, last), "contact_added");
  publish(c, "contact_added",
          {{"contact", {{"id", r.id}, {"date", r.created}, {"_link", link(c, "/contacts/" + r.id)}}}}, r.created);
  return contact_view(c, r);
}

View Company::update_contact(const Caller& c, const std::string& id, const std::vector<std::string>& assignments)
{
  Record r = contact_or_refuse(c, id);
  edit(r, assignments, {"id", "_link", "createdDate", "modifiedDate"});
  r.modified = now_text();
  m_records.put(Kind::contact, c.company, r);
  record(c, r.id, r.modified, "ContactChanged", fmt::format("Set {}", fmt::join(assignments, ", ")), "contact_changed");
  publish(c, "contact_changed",
          {{"contact", {{"id", r.id}, {"date", r.modified}, {"_link", link(c, "/contacts/" + r.id)}}}}, r.modified);
  return contact_view(c, r);
}

View Company::create_job(const Caller& c, const nlohmann::json& body)
{
  const std::string contact_id = string_field(body, "contactId");
  if (contact_id.empty()) {
    throw Refused("Createjob needs the contactId of an existing contact");
  }
  const Record contact = contact_or_refuse(c, contact_id);
  const std::string first = string_field(contact.fields, "firstName");
  const std::string last = string_field(contact.fields, "lastName");
  Record r;
  r.id = util::new_guid();
  r.created = r.modified = now_text();
  const std::string name = string_field(body, "jobName");
  r.fields["jobName"] = name.empty() ? std::string(util::trim(first + " " + last)) : name;
  const std::string lead = string_field(body, "leadSource");
  r.fields["leadSource"] = lead.empty() ? "Sandbox" : lead;
  const std::string category = string_field(body, "jobCategory");
  r.fields["jobCategory"] = category.empty() ? "Residential" : category;
  const auto address = body.find("locationAddress");
  r.fields["locationAddress"] = address != body.end() && address->is_object()
                                    ? View(*address)
                                    : View{{"street1", ""}, {"city", ""}, {"state", ""}, {"zipCode", ""}};
  r.fields["currentMilestone"] = k_milestones[0];
  r.fields["contacts"] = View::array({{{"isPrimary", true}, {"contact", {{"id", contact.id}}}}});
  r = m_records.put(Kind::job, c.company, std::move(r));
  record(c, r.id, r.created, "JobCreated", fmt::format("Job {} created", r.fields["jobName"].get<std::string>()),
         "job_created");
  m_records.add_milestone(c.company, {0, r.id, r.created, 1, std::string(k_milestones[0])});
  View event = job_view(c, r);
  event["contacts"] =
      View::array({{{"isPrimary", true}, {"contact", {{"id", contact.id}, {"firstName", first}, {"lastName", last}}}}});
  event.erase("modifiedDate");
  event.erase("currentMilestone");
  publish(c, "job_created", {{"job", event}}, r.created);
  return job_view(c, r);
}

View Company::update_job(const Caller& c, const std::string& id, const std::vector<std::string>& assignments)
{
  Record r = job_or_refuse(c, id);
  edit(r, assignments, {"id", "_link", "createdDate", "modifiedDate", "jobNumber", "currentMilestone"});
  r.modified = now_text();
  m_records.put(Kind::job, c.company, r);
  record(c, r.id, r.modified, "JobUpdated", fmt::format("Set {}", fmt::join(assignments, ", ")), "job_updated");
  publish(c, "job_updated",
          {{"job", {{"id", r.id}, {"modifiedDate", r.modified}, {"_link", link(c, "/jobs/" + r.id)}}}}, r.modified);
  return job_view(c, r);
}

View Company::change_milestone(const Caller& c, const std::string& id, const std::string& name)
{
  const auto found = std::find_if(std::begin(k_milestones), std::end(k_milestones),
                                  [&](std::string_view m) { return util::iequals(m, name); });
  if (found == std::end(k_milestones)) {
    throw Refused(fmt::format("no milestone '{}': one of {}", util::excerpt(name), fmt::join(k_milestones, ", ")));
  }
  const int milestone_id = static_cast<int>(found - std::begin(k_milestones)) + 1;
  Record r = job_or_refuse(c, id);
  const std::string before = string_field(r.fields, "currentMilestone");
  r.fields["currentMilestone"] = *found;
  r.modified = now_text();
  m_records.put(Kind::job, c.company, r);
  record(c, r.id, r.modified, "MilestoneChanged", fmt::format("Milestone {} -> {}", before, *found),
         "job.milestone.current_changed");
  m_records.add_milestone(c.company, {0, r.id, r.modified, milestone_id, std::string(*found)});
  publish(c, "job.milestone.current_changed",
          {{"job",
            {{"id", r.id},
             {"milestone", {{"id", milestone_id}, {"name", *found}, {"isCurrent", true}}},
             {"_link", link(c, "/jobs/" + r.id)}}}},
          r.modified);
  return job_view(c, r);
}

std::string Company::localize(const Caller& c, const std::string& body)
{
  auto j = nlohmann::ordered_json::parse(body, nullptr, false);
  if (!j.is_object()) {
    return body;
  }
  move_links(j, c.origin);
  const auto* event = member_ci(j, "event");
  const auto* job = event && event->is_object() ? member_ci(*event, "job") : nullptr;
  const auto* contact = event && event->is_object() ? member_ci(*event, "contact") : nullptr;
  const std::string at = now_text();
  if (job && job->is_object() && job->contains("id") && (*job)["id"].is_string()) {
    const std::string id = (*job)["id"];
    if (!m_records.get(Kind::job, c.company, id)) {
      Record r{id,
               at,
               at,
               0,
               {{"jobName", string_field(*job, "name") + string_field(*job, "jobName")},
                {"currentMilestone", k_milestones[0]}}};
      m_records.put(Kind::job, c.company, std::move(r));
    }
  }
  if (contact && contact->is_object() && contact->contains("id") && (*contact)["id"].is_string()) {
    const std::string id = (*contact)["id"];
    if (!m_records.get(Kind::contact, c.company, id)) {
      m_records.put(Kind::contact, c.company, {id, at, at, 0, {{"firstName", "Sandbox"}, {"lastName", "Contact"}}});
    }
  }
  return event::json_text(j);
}

} // namespace acx::sandbox
