#include "acx/util/io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <memory>

#include "acx/util/error.hpp"

namespace acx::util {

std::string read_input(const std::string& path, std::size_t max_bytes)
{
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "standard input" : path;
  std::unique_ptr<FILE, int (*)(FILE*)> owned(is_stdin ? nullptr : std::fopen(path.c_str(), "rb"), &std::fclose);
  FILE* f = is_stdin ? stdin : owned.get();
  if (!f) {
    throw Error(ExitCode::bad_input, fmt::format("cannot open {}: {}", name, std::strerror(errno)));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    out.append(buf, n);
    if (out.size() > max_bytes) {
      throw Error(ExitCode::bad_input, fmt::format("{} is larger than {} bytes", name, max_bytes));
    }
    if (n < sizeof buf) {
      if (std::ferror(f)) {
        throw Error(ExitCode::bad_input, fmt::format("cannot read {}: {}", name, std::strerror(errno)));
      }
      break;
    }
  }
  return out;
}

} // namespace acx::util
