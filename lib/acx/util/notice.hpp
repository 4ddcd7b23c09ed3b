#pragma once

#include <functional>
#include <string>

namespace acx::util {

// A line for a person about a running service (it started, reloaded, a consumer stalls, it stopped), reported by
// the library to the command that runs it: the library prints nothing itself, the command decides where and how
// (stderr, with "acx: " and "warning: " in front, today).
struct Notice {
  enum class Level { info, warning };
  Level level = Level::info;
  std::string text; // one sentence, no newline; untrusted parts already made printable
};

using Notify = std::function<void(const Notice&)>;

} // namespace acx::util
