#pragma once

// What this acx is: its version (CMakeLists.txt's project(), the one place, also the package's), the commit it was
// built from, and the libraries it was built with. `acx version` prints it; the man pages carry the date.

#include <string>

namespace acx::util {

struct Build {
  std::string version; // "0.1.0"
  std::string commit;  // "5f3ca17d2a1b", "5f3ca17d2a1b-dirty" (changes not committed), or "unknown" (no git)
  std::string date;    // the commit's date, "2026-11-30", or empty
};
const Build& build();

// A library acx uses: the version its headers had at build time, and the one loaded now (the same for header-only
// libraries; a shared library may have been upgraded since).
struct Library {
  std::string name;
  std::string built_with;
  std::string running;
};

} // namespace acx::util
