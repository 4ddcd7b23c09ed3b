#include "acx/util/lock_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"

namespace acx::util {

LockFile::LockFile(const std::string& path, const std::string& what)
{
  m_fd = open_private(path);
  if (m_fd < 0) {
    throw Error(ExitCode::io, fmt::format("cannot create the lock file {}: {}", printable(path),
                                          errno == ELOOP ? "it is a symbolic link" : std::strerror(errno)));
  }
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    [[maybe_unused]] const auto n = ::pread(m_fd, pid, sizeof pid - 1, 0);
    ::close(m_fd);
    throw Error(ExitCode::io, fmt::format("{} is in use by another acx process{} (lock file {})", what,
                                          *pid ? fmt::format(", pid {}", pid) : std::string(), path));
  }
  const std::string me = std::to_string(::getpid());
  [[maybe_unused]] const auto t = ::ftruncate(m_fd, 0);
  [[maybe_unused]] const auto w = ::pwrite(m_fd, me.data(), me.size(), 0);
}

LockFile::~LockFile()
{
  ::close(m_fd);
}

} // namespace acx::util
