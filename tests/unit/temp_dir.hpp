#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

// The one temporary directory helper of the unit tests: a fresh private directory under /tmp, removed with
// everything in it when the test is done.
struct TempDir {
  std::filesystem::path path;
  TempDir()
  {
    char tmpl[] = "/tmp/acx-unit-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      throw std::runtime_error("cannot make a temporary directory");
    }
    path = tmpl;
  }
  ~TempDir()
  {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // A path inside it.
  std::string file(const std::string& name) const { return (path / name).string(); }
};
