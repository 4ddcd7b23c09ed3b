#pragma once

// What the journal says of drift (acx events stats, the inspect page): per topic, the deliveries that differed from
// its schema, and per path of difference its kinds, how often, and when first and last.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "acx/journal/journal.hpp"

namespace acx::present {

struct PathDrift {
  std::set<std::string> kinds; // "added", "type", ...
  std::int64_t deliveries = 0;
  util::Instant first, last; // received
};

struct TopicDrift {
  std::string topic;
  std::int64_t deliveries = 0;
  util::Instant first, last;
  std::map<std::string, PathDrift> paths;
};

// Every delivery `query` selects that has drift (query.drift is set here), summed up by topic (sorted).
std::vector<TopicDrift> drift_summary(journal::Reader& reader, journal::Query query);

} // namespace acx::present
