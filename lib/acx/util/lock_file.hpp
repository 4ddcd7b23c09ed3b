#pragma once

#include <string>

namespace acx::util {

// An exclusive advisory lock (flock) on a file, held for the object's life. Throws acx::Error (io) when another
// process holds it, naming that process's pid when it wrote one.
class LockFile {
public:
  LockFile(const std::string& path, const std::string& what);
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

private:
  int m_fd = -1;
};

} // namespace acx::util
