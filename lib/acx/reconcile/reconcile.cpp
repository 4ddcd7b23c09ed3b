#include "acx/reconcile/reconcile.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "acx/util/encoding.hpp"

namespace acx::reconcile {

namespace {

constexpr Mapping k_mapping[] = {
    {"job history", "JobCreated", "job_created", "the job's first history entry"},
    {"job history", "JobUpdated", "job_updated", "a change of the job's fields"},
    {"job history", "MilestoneChanged", "job.milestone.current_changed",
     "the milestone history holds the same change (not read: a request a job for nothing new)"},
    {"contact", "createdDate", "contact_added", "a contact created in the window"},
    {"contact", "modifiedDate", "contact_changed",
     "a contact last changed in the window (AccuLynx keeps no contact history: earlier changes are not seen)"},
    {"job history", "any other action", "", "AccuLynx sends nothing acx knows of for it"},
};

std::int64_t ms_of(util::Instant t)
{
  return t.seconds * 1000 + t.ticks / 10'000;
}

std::string text_of(const nlohmann::json& item, const char* key)
{
  const auto it = item.find(key);
  return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<util::Instant> time_of(const nlohmann::json& item, const char* key)
{
  return util::parse_rfc3339_utc(text_of(item, key));
}

bool within(util::Instant t, const Window& w)
{
  return t >= w.since && t < w.until;
}

bool mapped(std::string_view topic)
{
  return std::any_of(std::begin(k_mapping), std::end(k_mapping),
                     [&](const Mapping& m) { return !m.topic.empty() && m.topic == topic; });
}

// One job's history entries in the window, as changes.
void read_history(acculynx::Api& api, const std::string& job, const Window& w, std::vector<Change>& out)
{
  api.each_item(fmt::format("/jobs/{}/history?pageSize=100&startDate={}&endDate={}", util::percent_encode(job),
                            util::percent_encode(util::format_rfc3339(w.since)),
                            util::percent_encode(util::format_rfc3339(w.until))),
                [&](const nlohmann::json& entry) {
                  const auto topic = topic_of_action(text_of(entry, "action"));
                  const auto at = time_of(entry, "date");
                  if (topic && at && within(*at, w)) {
                    out.push_back({"job:" + job, std::string(*topic), *at, "history " + text_of(entry, "id"),
                                   text_of(entry, "description")});
                  }
                });
}

} // namespace

std::span<const Mapping> mapping()
{
  return k_mapping;
}

std::optional<std::string_view> topic_of_action(std::string_view action)
{
  for (const auto& m : k_mapping) {
    if (m.kind == "job history" && m.source == action && !m.topic.empty()) {
      return m.topic;
    }
  }
  return std::nullopt;
}

Read read_changes(acculynx::Api& api, const Window& w, std::stop_token stop,
                  const std::function<void(std::size_t, std::size_t)>& progress)
{
  Read read;
  // Every job modified since the window began: one changed in it and again later shows its later date.
  std::vector<std::string> jobs;
  api.each_item(fmt::format("/jobs?pageSize=100&dateFilterType=ModifiedDate&startDate={}",
                            util::percent_encode(util::format_rfc3339(w.since))),
                [&](const nlohmann::json& job) {
                  if (const std::string id = text_of(job, "id"); !id.empty()) {
                    jobs.push_back(id);
                  }
                });
  for (const auto& id : jobs) {
    if (stop.stop_requested()) {
      read.interrupted = true;
      return read;
    }
    read_history(api, id, w, read.changes);
    ++read.jobs;
    if (progress) {
      progress(read.jobs, jobs.size());
    }
  }
  api.each_item("/contacts?pageSize=100", [&](const nlohmann::json& contact) {
    const std::string id = text_of(contact, "id");
    const auto created = time_of(contact, "createdDate");
    const auto modified = time_of(contact, "modifiedDate");
    const std::string name = fmt::format("{} {}", text_of(contact, "firstName"), text_of(contact, "lastName"));
    bool seen = false;
    if (created && within(*created, w)) {
      read.changes.push_back({"contact:" + id, "contact_added", *created, "createdDate", name});
      seen = true;
    }
    if (modified && within(*modified, w) && (!created || *modified != *created)) {
      read.changes.push_back({"contact:" + id, "contact_changed", *modified, "modifiedDate", name});
      seen = true;
    }
    read.contacts += seen;
  });
  return read;
}

std::vector<Delivery> read_deliveries(journal::Reader& reader, const Window& w, std::chrono::milliseconds tolerance)
{
  const auto widen = [&](util::Instant t, std::int64_t sign) {
    const std::int64_t ms = ms_of(t) + sign * tolerance.count();
    return util::Instant{ms / 1000, static_cast<std::int32_t>(ms % 1000) * 10'000};
  };
  journal::Query q;
  // Received since the window began, up to now: AccuLynx's late retries, and the events rebuilt by --repair (received
  // when they were repaired), report changes in the window.
  q.since = widen(w.since, -1);
  q.duplicates = false;
  q.decode_headers = false;
  std::vector<Delivery> out;
  journal::read_each(reader, q, [&](journal::Record& r) {
    if (mapped(r.topic) && !r.subject.empty()) {
      const auto at = util::parse_rfc3339_utc(r.event_time);
      out.push_back({r.seq, r.event_id, r.topic, r.subject, at ? *at : r.received});
    }
  });
  return out;
}

Result match(std::vector<Change> changes, std::vector<Delivery> deliveries, const Window& w,
             std::chrono::milliseconds tolerance)
{
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.at < b.at; });
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> by_subject; // (subject, topic) -> indices
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    by_subject[{deliveries[i].subject, deliveries[i].topic}].push_back(i);
  }
  std::vector<bool> taken(deliveries.size(), false);
  std::vector<bool> done(changes.size(), false);
  Result result;
  // The nearest untaken delivery of the change's subject and topic within `limit`.
  const auto nearest = [&](const Change& c, std::int64_t limit) -> std::optional<std::size_t> {
    std::optional<std::size_t> best;
    std::int64_t best_gap = 0;
    if (const auto it = by_subject.find({c.subject, c.topic}); it != by_subject.end()) {
      for (const std::size_t i : it->second) {
        const std::int64_t gap = std::abs(ms_of(deliveries[i].at) - ms_of(c.at));
        if (!taken[i] && gap <= limit && (!best || gap < best_gap)) {
          best = i;
          best_gap = gap;
        }
      }
    }
    return best;
  };
  // First the deliveries whose time is the change's own, then the nearest within the tolerance: a change that was
  // never delivered does not take the delivery of the next change of its job and topic.
  for (const std::int64_t limit : {std::int64_t{0}, static_cast<std::int64_t>(tolerance.count())}) {
    for (std::size_t c = 0; c < changes.size(); ++c) {
      if (!done[c]) {
        if (const auto i = nearest(changes[c], limit)) {
          taken[*i] = done[c] = true;
          ++result.matched;
        }
      }
    }
  }
  for (std::size_t c = 0; c < changes.size(); ++c) {
    if (!done[c]) {
      result.missed.push_back(std::move(changes[c]));
    }
  }
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    if (!taken[i] && within(deliveries[i].at, w)) {
      result.unexplained.push_back(std::move(deliveries[i]));
    }
  }
  return result;
}

} // namespace acx::reconcile
