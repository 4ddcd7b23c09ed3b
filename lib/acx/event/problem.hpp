#pragma once

#include <string>
#include <vector>

namespace acx::event {

// One thing wrong with an input, located by a JSON path ("$", "$.eventId", "$.event.job.milestone").
struct Problem {
  enum class Level { error, warning };
  Level level = Level::error;
  std::string path;
  std::string message;
};

// True when any problem is an error (warnings alone do not make an input invalid).
bool has_errors(const std::vector<Problem>& problems);

// "$.eventId: expected a GUID ..." (warnings prefixed "warning: ").
std::string describe(const Problem& p);

} // namespace acx::event
