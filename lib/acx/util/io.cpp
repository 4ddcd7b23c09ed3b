#include "acx/util/io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::util {

namespace {

const char* kind_of(mode_t mode)
{
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISFIFO(mode)) {
    return "a pipe (FIFO)";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "not a regular file";
}

// Reads fd to its end, refusing more than max_bytes; `name` is already printable.
std::string read_all(int fd, const std::string& name, std::size_t max_bytes, std::size_t expected)
{
  std::string out;
  out.reserve(std::min(expected, max_bytes) + 1);
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(ExitCode::bad_input, fmt::format("cannot read {}: {}", name, std::strerror(errno)));
    }
    if (n == 0) {
      return out;
    }
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      throw Error(ExitCode::bad_input, fmt::format("{} is larger than {} bytes", name, max_bytes));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

} // namespace

std::string read_input(const std::string& path, std::size_t max_bytes)
{
  if (path == "-") {
    return read_all(STDIN_FILENO, "standard input", max_bytes, 0);
  }
  const std::string name = printable(path);
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    throw Error(ExitCode::bad_input, fmt::format("cannot open {}: {}", name, std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw Error(ExitCode::bad_input, fmt::format("cannot read {}: {}", name, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ExitCode::bad_input,
                fmt::format("{} is {}: give a regular file, or - to read standard input", name, kind_of(st.st_mode)));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > max_bytes) {
    throw Error(ExitCode::bad_input, fmt::format("{} is {} bytes, larger than the {} allowed", name, size, max_bytes));
  }
  ::fcntl(fd, F_SETFL, 0); // back to blocking reads for a regular file
  return read_all(fd, name, max_bytes, size);
}

} // namespace acx::util
