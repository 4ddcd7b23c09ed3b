#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace acx::event {

// One AccuLynx webhook topic.
struct Topic {
  std::string_view name;
  std::string_view description;
  bool legacy = false; // only in AccuLynx's older documentation
};

// The 22 live topics and the legacy job-milestone-changed, in catalog order.
std::span<const Topic> topics();

// The topic named exactly `name`, or nullptr.
const Topic* find_topic(std::string_view name);

// Whether a topic pattern matches a topic: `*` any run of characters, `?` one, and `.` also matches `_`, because
// AccuLynx spells job topics both ways (job_created, job.milestone.current_changed): `job.*` is every job topic.
bool topic_matches(std::string_view pattern, std::string_view topic);
// The same rule for a database: the pattern as an SQLite GLOB, and as a PostgreSQL regular expression (anchored).
std::string topic_glob(std::string_view pattern);
std::string topic_regex(std::string_view pattern);
// Whether any of `patterns` matches `topic`; no patterns: every topic.
bool topic_wanted(const std::vector<std::string>& patterns, std::string_view topic);
// For a pattern that matches no topic of the catalog: "'job_creatd' (--topic) matches no known topic (did you mean
// job_created?)"; "" for one that matches. Topics AccuLynx adds later still match: this is a warning.
std::string unmatched_topic(std::string_view pattern, std::string_view where);

} // namespace acx::event
