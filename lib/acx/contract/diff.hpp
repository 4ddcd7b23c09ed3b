#pragma once

// What changed between two schema sets, judged as a receiver sees it: a change is breaking when a receiver written
// against the first set could fail on a delivery the second allows (a member it relied on may be absent, a value of
// another type or format, a value it never saw); adding what it may ignore is not.

#include <string>
#include <vector>

#include "acx/contract/schemas.hpp"

namespace acx::contract {

struct Change {
  enum class What { topic_added, topic_removed, added, removed, type, required, optional, format, values };
  What what = What::added;
  std::string topic;
  std::string path;   // "" for a topic
  std::string detail; // "string -> integer", "was required", ...
  bool breaking = false;
};

std::string_view what_name(Change::What w); // "added", "removed", "type", ...

// From `before` to `after`, topic by topic (sorted), members in `before`'s order then the added ones.
std::vector<Change> diff(const SchemaSet& before, const SchemaSet& after);
std::vector<Change> diff(const std::string& topic, const nlohmann::ordered_json& before,
                         const nlohmann::ordered_json& after);

} // namespace acx::contract
