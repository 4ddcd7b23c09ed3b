#include "acx/event/topics.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

#include "acx/util/text.hpp"

namespace acx::event {

namespace {

// Each topic's event is described by its schema (schemas/<topic>.json: acx schema show, acx topics --long).
constexpr std::array k_topics{
    Topic{"contact_added", "A contact was added."},
    Topic{"contact_changed", "A contact's details changed."},
    Topic{"contact.custom-field.status_changed", "A custom field on a contact was enabled or disabled."},
    Topic{"contact.custom-field.value_changed", "The value of a custom field on a contact changed."},
    Topic{"job_created", "A job was created."},
    Topic{"job_updated", "A job's details changed."},
    Topic{"job.accounting.integration-status.current_changed",
          "The job's accounting-integration status changed (e.g. synced to QuickBooks)."},
    Topic{"job.appointments.initial_created", "The job's initial appointment was scheduled."},
    Topic{"job.appointments.initial_updated", "The job's initial appointment was changed."},
    Topic{"job.category_changed", "The job's category changed."},
    Topic{"job.contacts.primary_changed", "The job's primary contact changed. Sent as event.Job, capital J."},
    Topic{"job.custom-field.status_changed", "A custom field on a job was enabled or disabled."},
    Topic{"job.custom-field.value_changed", "The value of a custom field on a job changed."},
    Topic{"job.financials.approved-value_changed", "The job's approved value changed."},
    Topic{"job.invoice_updated", "An invoice on the job was created or changed."},
    Topic{"job.invoice_voided", "An invoice on the job was voided."},
    Topic{"job.milestone.current_changed", "The job moved to a new milestone (Lead, Prospect, Approved, ...)."},
    Topic{"job.milestone.status.current_changed", "The status within the job's current milestone changed."},
    Topic{"job.representatives.company_assigned", "A company representative was assigned to the job."},
    Topic{"job.representatives.company_changed", "The job's company representative changed."},
    Topic{"job.trade-type_changed", "The job's trade types changed."},
    Topic{"job.work-type_changed", "The job's work type changed."},
    Topic{"job-milestone-changed", "Legacy: the job's milestone changed (older documentation, flat payload).", true},
};

} // namespace

std::span<const Topic> topics()
{
  return k_topics;
}

const Topic* find_topic(std::string_view name)
{
  for (const auto& t : k_topics) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

bool topic_matches(std::string_view pattern, std::string_view topic)
{
  const auto same = [](char p, char t) { return p == '?' || p == t || (p == '.' && t == '_'); };
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < topic.size()) {
    if (p < pattern.size() && pattern[p] != '*' && same(pattern[p], topic[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

std::string topic_glob(std::string_view pattern)
{
  std::string out;
  for (const char c : pattern) {
    out += c == '.' ? std::string("[._]") : c == '[' ? std::string("[[]") : std::string(1, c);
  }
  return out;
}

std::string topic_regex(std::string_view pattern)
{
  std::string out = "^";
  for (const char c : pattern) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += c == '*'   ? std::string(".*")
           : c == '?' ? std::string(".")
           : c == '.' ? std::string("[._]")
           : plain    ? std::string(1, c)
                      : std::string("\\") + c;
  }
  return out + "$";
}

bool topic_wanted(const std::vector<std::string>& patterns, std::string_view topic)
{
  return patterns.empty() || std::any_of(patterns.begin(), patterns.end(),
                                         [topic](const std::string& p) { return topic_matches(p, topic); });
}

std::string unmatched_topic(std::string_view pattern, std::string_view where)
{
  std::vector<std::string> names;
  for (const auto& t : k_topics) {
    if (topic_matches(pattern, t.name)) {
      return {};
    }
    names.emplace_back(t.name);
  }
  const auto near = util::closest(pattern, names);
  return fmt::format("'{}' ({}) matches no known topic{}", util::excerpt(pattern), where,
                     near ? fmt::format(" (did you mean {}?)", *near) : "; acx topics lists them");
}

} // namespace acx::event
