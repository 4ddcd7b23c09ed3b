#pragma once

// The journal's contract is tested on both engines: each test case of the contract suite runs once per location this
// gives, a file of SQLite and, where a PostgreSQL server can be had, a schema of its own in one. The server is the
// one ctest started for the unit run (a fixture: ACX_TEST_PG_STATE names its state directory), else one started here
// with tests/pg_server.sh for this process and stopped at its exit; none at all (no PostgreSQL installed) says so,
// once, and the suite runs on SQLite alone.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "temp_dir.hpp"

namespace journal_engines {

inline std::string read_line(const std::string& path)
{
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The server's URI, or empty when there is none to be had.
inline const std::string& server_uri()
{
  struct Own {
    std::string state, uri;
    Own()
    {
      if (const char* fixture = std::getenv("ACX_TEST_PG_STATE")) {
        uri = read_line(std::string(fixture) + "/uri");
        if (!uri.empty()) {
          return;
        }
      }
      state = "/tmp/acx-unit-pg-" + std::to_string(::getpid());
      const std::string start = "bash " ACX_SOURCE_DIR "/tests/pg_server.sh start " + state + " >/dev/null";
      if (std::system(start.c_str()) == 0) {
        uri = read_line(state + "/uri");
      } else {
        std::fprintf(stderr, "journal contract: PostgreSQL skipped (no server could be started: scripts/setup --test "
                             "installs postgresql-15); SQLite only\n");
        state.clear();
      }
    }
    ~Own()
    {
      if (!state.empty()) {
        const std::string stop = "bash " ACX_SOURCE_DIR "/tests/pg_server.sh stop " + state + " >/dev/null 2>&1";
        [[maybe_unused]] const int ignored = std::system(stop.c_str());
      }
    }
  };
  static const Own own;
  return own.uri;
}

struct Location {
  std::string name;     // "SQLite", "PostgreSQL"
  std::string location; // what --journal takes
};

// The journal locations for one test case: a fresh file in `dir`, and a fresh schema on the server.
inline std::vector<Location> locations(const TempDir& dir)
{
  static std::atomic<int> n{0};
  std::vector<Location> out{{"SQLite", dir.file("journal.db")}};
  if (const auto& uri = server_uri(); !uri.empty()) {
    out.push_back({"PostgreSQL", uri + "?schema=t" + std::to_string(::getpid()) + "_" + std::to_string(++n)});
  }
  return out;
}

} // namespace journal_engines
