#include "acx/reconcile/repair.hpp"

#include <fmt/format.h>
#include <set>

#include "acx/event/facts.hpp"
#include "acx/event/json_text.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/encoding.hpp"

namespace acx::reconcile {

namespace {

using View = nlohmann::ordered_json;

std::string id_of(const std::string& subject)
{
  return subject.substr(subject.find(':') + 1);
}

// What a job's changes need from the API beyond themselves, read once per job.
class JobFacts {
public:
  explicit JobFacts(acculynx::Api& api) : m_api(api) {}

  // The job as GET /jobs/{id} shows it (job_created's event.job).
  const nlohmann::json& job(const std::string& id)
  {
    auto [it, added] = m_jobs.try_emplace(id);
    if (added) {
      try {
        it->second = m_api.rest("GET", "/jobs/" + util::percent_encode(id));
      } catch (const acculynx::ApiError& e) {
        if (e.status() != 404) {
          throw;
        }
        it->second = {{"id", id}}; // deleted since: the event names it, as a thin one would
      }
    }
    return it->second;
  }

  // The milestone the job moved to at `at`: the milestone history's entry nearest that time.
  nlohmann::json milestone(const std::string& id, util::Instant at)
  {
    auto [it, added] = m_milestones.try_emplace(id);
    std::vector<nlohmann::json>& entries = it->second; // a name a lambda may capture (clang: not a binding)
    if (added) {
      try {
        m_api.each_item(fmt::format("/jobs/{}/milestone-history?pageSize=100", util::percent_encode(id)),
                        [&](const nlohmann::json& entry) { entries.push_back(entry); });
      } catch (const acculynx::ApiError& e) {
        if (e.status() != 404) {
          throw;
        }
      }
    }
    const nlohmann::json* best = nullptr;
    std::int64_t best_gap = 0;
    for (const auto& entry : it->second) {
      const auto date = entry.is_object() ? entry.find("date") : entry.end();
      const auto when =
          date != entry.end() && date->is_string() ? util::parse_rfc3339_utc(date->get<std::string>()) : std::nullopt;
      if (!when) {
        continue;
      }
      const std::int64_t gap = std::llabs((when->seconds - at.seconds) * 10'000'000 + (when->ticks - at.ticks));
      if (!best || gap < best_gap) {
        best = &entry;
        best_gap = gap;
      }
    }
    nlohmann::json out{{"id", nullptr}, {"name", nullptr}, {"isCurrent", true}};
    if (best) {
      if (const auto m = best->find("milestone"); m != best->end() && m->is_object()) {
        out["id"] = m->value("id", nlohmann::json());
        out["name"] = m->value("name", nlohmann::json());
      }
    }
    return out;
  }

private:
  acculynx::Api& m_api;
  std::map<std::string, nlohmann::json> m_jobs;
  std::map<std::string, std::vector<nlohmann::json>> m_milestones;
};

// The envelope's `event` for a change, in the shape AccuLynx sends its topic (docs/ACCULYNX.md).
View event_of(const Change& c, JobFacts& facts, const std::string& base)
{
  const std::string id = id_of(c.subject);
  const std::string at = util::format_rfc3339(c.at);
  if (c.topic == "contact_added" || c.topic == "contact_changed") {
    return {{"contact", {{"id", id}, {"date", at}, {"_link", base + "/contacts/" + id}}}};
  }
  if (c.topic == "job_created") {
    return {{"job", View(facts.job(id))}};
  }
  if (c.topic == "job.milestone.current_changed") {
    return {{"job", {{"id", id}, {"milestone", View(facts.milestone(id, c.at))}, {"_link", base + "/jobs/" + id}}}};
  }
  return {{"job", {{"id", id}, {"modifiedDate", at}, {"_link", base + "/jobs/" + id}}}};
}

} // namespace

std::vector<Rebuilt> rebuild(acculynx::Api& api, const std::vector<Change>& missed,
                             const std::map<std::string, std::string>& subscription_of)
{
  JobFacts facts(api);
  const std::string base = api.rest_base();
  std::vector<Rebuilt> out;
  for (const auto& c : missed) {
    journal::Record r;
    r.received = util::now();
    r.remote = std::string(journal::k_reconciled_remote);
    r.headers.add("Content-Type", "application/json");
    r.headers.add("X-Acx-Reconciled", "1");
    r.topic = c.topic;
    r.event_time = util::format_rfc3339(c.at);
    r.event_id = journal::change_id(c.topic, c.subject, r.event_time);
    const auto sub = subscription_of.find(c.topic);
    r.subscription_id = sub != subscription_of.end() ? sub->second : std::string();
    const View event = event_of(c, facts, base);
    r.body = event::json_text(View{{"topicName", r.topic},
                                   {"eventDateTime", r.event_time},
                                   {"eventId", r.event_id},
                                   {"subscriptionId", r.subscription_id},
                                   {"event", event}});
    auto f = event::facts(nlohmann::json(event));
    r.subject = f.subject.empty() ? c.subject : f.subject;
    r.gist = f.gist;
    out.push_back({c, std::move(r)});
  }
  return out;
}

std::size_t journal_rebuilt(journal::Writer& writer, journal::Reader& reader, std::vector<Rebuilt> rebuilt,
                            std::chrono::milliseconds tolerance)
{
  if (rebuilt.empty()) {
    return 0;
  }
  Window w{rebuilt.front().change.at, rebuilt.front().change.at};
  for (const auto& r : rebuilt) {
    w.since = std::min(w.since, r.change.at);
  }
  // A delivery of the very change (its subject, topic and time) that came while the events were rebuilt, or the
  // rebuilt event itself: nothing to add.
  std::set<std::string> came;
  for (const auto& d : read_deliveries(reader, w, tolerance)) {
    came.insert(journal::change_id(d.topic, d.subject, util::format_rfc3339(d.at)));
  }
  std::size_t added = 0;
  for (auto& r : rebuilt) {
    if (came.contains(r.record.event_id)) {
      continue;
    }
    const auto a = writer.append(std::move(r.record));
    if (!a.stored) {
      throw Error(ExitCode::io, fmt::format("the journal did not store a repaired event: {}", a.error));
    }
    added += a.status == journal::Status::accepted ? 1 : 0;
  }
  return added;
}

} // namespace acx::reconcile
