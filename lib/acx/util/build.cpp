#include "acx/util/build.hpp"

namespace acx::util {

namespace detail {
// Written at build time by cmake/Commit.cmake (commit.cpp in the build directory).
extern const char* const commit;
extern const char* const commit_date;
} // namespace detail

const Build& build()
{
  static const Build b{ACX_VERSION, detail::commit, detail::commit_date};
  return b;
}

} // namespace acx::util
