#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include "acx/sqlite/sqlite.hpp"

using acx::sqlite::Database;
using acx::sqlite::Statement;

namespace {

Database open_wal(const std::string& path)
{
  Database db(path, false);
  db.busy_timeout(std::chrono::seconds(5));
  db.exec("PRAGMA journal_mode = WAL");
  return db;
}

std::int64_t count(Database& db)
{
  Statement st(db, "SELECT count(*) FROM t");
  st.step();
  return st.int64(0);
}

} // namespace

TEST_CASE("acx::sqlite::Database::manual_checkpoints: no commit checkpoints by itself, checkpoint() does")
{
  TempDir dir;
  Database db = open_wal(dir.file("db"));
  db.manual_checkpoints();
  db.exec("CREATE TABLE t(x BLOB)");
  // 1,500 commits of a page each: past SQLite's automatic checkpoint (1,000 pages), which would have started the WAL
  // over.
  Statement insert(db, "INSERT INTO t(x) VALUES (zeroblob(3000))");
  std::int64_t frames = 0;
  for (int i = 0; i < 1500; ++i) {
    insert.run();
    CHECK(db.wal_frames() > frames); // only ever longer: nothing started it over
    frames = db.wal_frames();
  }
  CHECK(frames >= 1500);
  CHECK(db.checkpoint());
  insert.run(); // the first commit after a whole checkpoint starts the WAL over
  CHECK(db.wal_frames() < 10);
  CHECK(count(db) == 1501);
}

TEST_CASE("acx::sqlite::Database::checkpoint: holds the write lock, so never beside another connection's commit")
{
  TempDir dir;
  const std::string path = dir.file("db");
  Database writer = open_wal(path);
  writer.manual_checkpoints();
  writer.exec("CREATE TABLE t(x BLOB); INSERT INTO t(x) VALUES (zeroblob(3000))");
  Database other = open_wal(path);
  other.manual_checkpoints();

  // While the other connection writes, a checkpoint does not start (and does not wait for it, whatever the busy
  // timeout): the commit cannot start the WAL over under it.
  other.exec("BEGIN IMMEDIATE; INSERT INTO t(x) VALUES (zeroblob(3000))");
  CHECK_FALSE(writer.checkpoint());
  other.exec("COMMIT");
  CHECK(writer.checkpoint());

  // A reader on an older snapshot: what it may still read stays in the WAL, and checkpoint() says so at once.
  other.exec("BEGIN");
  CHECK(count(other) == 2);
  writer.exec("INSERT INTO t(x) VALUES (zeroblob(3000))");
  CHECK_FALSE(writer.checkpoint());
  other.exec("COMMIT");
  CHECK(writer.checkpoint());
  CHECK(count(other) == 3);
}
