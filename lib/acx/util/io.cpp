#include "acx/util/io.hpp"

#include <cstdlib>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
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

std::optional<std::string> xdg_base(const char* variable, const char* fallback)
{
  if (const char* dir = std::getenv(variable); dir && *dir) {
    return std::string(dir);
  }
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    return std::nullopt;
  }
  return fmt::format("{}/{}", home, fallback);
}

void create_private_directories(const std::string& dir, const std::string& what)
{
  namespace fs = std::filesystem;
  fs::path built;
  for (const auto& part : fs::path(dir)) {
    built /= part;
    if (part.empty() || part == "/" || part == "." || part == "..") {
      continue;
    }
    if (::mkdir(built.c_str(), 0700) == 0 || errno == EEXIST) {
      continue;
    }
    throw Error(ExitCode::io,
                fmt::format("cannot create {} {}: {}", what, printable(built.string()), std::strerror(errno)));
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ExitCode::io, fmt::format("cannot create {} {}: a file of that name exists", what, printable(dir)));
  }
}

void write_private_file(const std::string& path, std::string_view data, const std::string& what)
{
  const std::filesystem::path target(path);
  if (target.has_parent_path()) {
    create_private_directories(target.parent_path().string(), fmt::format("the directory of {}", what));
  }
  std::string tmp = path + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data()); // O_CREAT | O_EXCL, mode 0600
  if (fd < 0) {
    throw Error(ExitCode::io, fmt::format("cannot write {} {}: {}", what, printable(path), std::strerror(errno)));
  }
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    ok = n > 0 || (n < 0 && errno == EINTR);
    done += n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    throw Error(ExitCode::io, fmt::format("cannot write {} {}: {}", what, printable(path), std::strerror(err)));
  }
}

int open_private(const std::string& path)
{
  return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

} // namespace acx::util
