// What each --durability syncs, counted where SQLite syncs: a VFS that wraps the default one and counts xSync per
// file. (--durability process once synced every commit: a PRAGMA kept prepared had set the connection's level when it
// was prepared, and nothing else showed it but a strace.)
#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <sqlite3.h>
#include <string>
#include <thread>

#include "acx/journal/journal.hpp"
#include "acx/util/time.hpp"

using namespace acx::journal;

namespace {

std::atomic<int> g_wal_syncs{0};
std::atomic<int> g_db_syncs{0};
sqlite3_vfs* g_real = nullptr;
std::mutex g_wrappers_mutex;
std::map<const sqlite3_io_methods*, sqlite3_io_methods> g_wrappers; // the real file's methods -> ours

// Our file: which counter it feeds, then the real VFS's file.
struct File {
  sqlite3_file base;
  std::atomic<int>* syncs;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
File* as(sqlite3_file* f)
{
  return reinterpret_cast<File*>(f);
}

int x_close(sqlite3_file* f)
{
  return as(f)->real()->pMethods->xClose(as(f)->real());
}
int x_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o)
{
  return as(f)->real()->pMethods->xRead(as(f)->real(), b, n, o);
}
int x_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o)
{
  return as(f)->real()->pMethods->xWrite(as(f)->real(), b, n, o);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 n)
{
  return as(f)->real()->pMethods->xTruncate(as(f)->real(), n);
}
int x_sync(sqlite3_file* f, int flags)
{
  if (as(f)->syncs != nullptr) {
    ++*as(f)->syncs;
  }
  return as(f)->real()->pMethods->xSync(as(f)->real(), flags);
}
int x_size(sqlite3_file* f, sqlite3_int64* n)
{
  return as(f)->real()->pMethods->xFileSize(as(f)->real(), n);
}
int x_lock(sqlite3_file* f, int l)
{
  return as(f)->real()->pMethods->xLock(as(f)->real(), l);
}
int x_unlock(sqlite3_file* f, int l)
{
  return as(f)->real()->pMethods->xUnlock(as(f)->real(), l);
}
int x_reserved(sqlite3_file* f, int* r)
{
  return as(f)->real()->pMethods->xCheckReservedLock(as(f)->real(), r);
}
int x_control(sqlite3_file* f, int op, void* a)
{
  return as(f)->real()->pMethods->xFileControl(as(f)->real(), op, a);
}
int x_sector(sqlite3_file* f)
{
  return as(f)->real()->pMethods->xSectorSize(as(f)->real());
}
int x_device(sqlite3_file* f)
{
  return as(f)->real()->pMethods->xDeviceCharacteristics(as(f)->real());
}
int x_shm_map(sqlite3_file* f, int i, int n, int e, void volatile** p)
{
  return as(f)->real()->pMethods->xShmMap(as(f)->real(), i, n, e, p);
}
int x_shm_lock(sqlite3_file* f, int o, int n, int fl)
{
  return as(f)->real()->pMethods->xShmLock(as(f)->real(), o, n, fl);
}
void x_shm_barrier(sqlite3_file* f)
{
  as(f)->real()->pMethods->xShmBarrier(as(f)->real());
}
int x_shm_unmap(sqlite3_file* f, int d)
{
  return as(f)->real()->pMethods->xShmUnmap(as(f)->real(), d);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p)
{
  return as(f)->real()->pMethods->xFetch(as(f)->real(), o, n, p);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p)
{
  return as(f)->real()->pMethods->xUnfetch(as(f)->real(), o, p);
}

// Our methods for files whose own are `real`: the same version, each call counted or passed on.
const sqlite3_io_methods* wrapper(const sqlite3_io_methods* real)
{
  std::lock_guard lock(g_wrappers_mutex);
  auto [it, added] = g_wrappers.try_emplace(real, *real);
  if (added) {
    sqlite3_io_methods& m = it->second;
    m.xClose = x_close;
    m.xRead = x_read;
    m.xWrite = x_write;
    m.xTruncate = x_truncate;
    m.xSync = x_sync;
    m.xFileSize = x_size;
    m.xLock = x_lock;
    m.xUnlock = x_unlock;
    m.xCheckReservedLock = x_reserved;
    m.xFileControl = x_control;
    m.xSectorSize = x_sector;
    m.xDeviceCharacteristics = x_device;
    m.xShmMap = x_shm_map;
    m.xShmLock = x_shm_lock;
    m.xShmBarrier = x_shm_barrier;
    m.xShmUnmap = x_shm_unmap;
    m.xFetch = x_fetch;
    m.xUnfetch = x_unfetch;
  }
  return &it->second;
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags)
{
  File* file = as(f);
  file->base.pMethods = nullptr;
  const int rc = g_real->xOpen(g_real, name, file->real(), flags, out_flags);
  if (rc != SQLITE_OK || file->real()->pMethods == nullptr) {
    return rc;
  }
  file->base.pMethods = wrapper(file->real()->pMethods);
  file->syncs = (flags & SQLITE_OPEN_WAL) != 0       ? &g_wal_syncs
                : (flags & SQLITE_OPEN_MAIN_DB) != 0 ? &g_db_syncs
                                                     : nullptr;
  return rc;
}

// The counting VFS is the default while it lives (the writer opens its journal with the default VFS).
class CountingVfs {
public:
  CountingVfs()
  {
    g_real = sqlite3_vfs_find(nullptr);
    m_vfs = *g_real;
    m_vfs.zName = "acx-counting";
    m_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_real->szOsFile;
    m_vfs.xOpen = x_open;
    m_vfs.pNext = nullptr;
    REQUIRE(sqlite3_vfs_register(&m_vfs, 1) == SQLITE_OK);
  }
  ~CountingVfs()
  {
    sqlite3_vfs_unregister(&m_vfs);
    sqlite3_vfs_register(g_real, 1);
  }
  CountingVfs(const CountingVfs&) = delete;
  CountingVfs& operator=(const CountingVfs&) = delete;

private:
  sqlite3_vfs m_vfs{};
};

Record accepted(int n)
{
  Record r;
  r.received = acx::util::now();
  r.body = "{\"eventId\":\"e" + std::to_string(n) + "\",\"note\":\"Henderson roof\"}";
  r.topic = "job.created";
  r.event_id = "e" + std::to_string(n);
  return r;
}

// Appends n records one at a time, each answered before the next: n commits.
void append_one_at_a_time(Writer& w, int n)
{
  for (int i = 1; i <= n; ++i) {
    REQUIRE(w.append(accepted(i)).stored);
  }
}

} // namespace

TEST_CASE("acx::journal::Writer syncs what its durability says, and no more")
{
  TempDir dir;
  const CountingVfs vfs;
  constexpr int k_commits = 40;

  SUBCASE("process: commits are written, not synced (the syncer, outside SQLite, syncs once a second)")
  {
    WriterOptions options;
    options.durability = Durability::process;
    auto w = Writer::open(dir.file("process.db"), options);
    g_wal_syncs = 0;
    g_db_syncs = 0;
    append_one_at_a_time(*w, k_commits);
    // SQLite syncs a new WAL's header once, when the first commit starts it over: nothing per commit.
    CHECK(g_wal_syncs.load() <= 1);
    CHECK(g_db_syncs.load() == 0);
  }

  SUBCASE("disk: every commit is synced before it is answered; the text index's batches are not")
  {
    WriterOptions options;
    options.durability = Durability::disk;
    auto w = Writer::open(dir.file("disk.db"), options);
    g_wal_syncs = 0;
    append_one_at_a_time(*w, k_commits);
    CHECK(g_wal_syncs.load() >= k_commits);
    const int after_commits = g_wal_syncs.load();
    // The text index catches up once deliveries pause (k_text_quiet), in unsynced batches.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (w->text_indexed() < w->committed_seq() && std::chrono::steady_clock::now() < deadline) {
      w->wait_beyond(w->committed_seq(), std::chrono::milliseconds(50));
    }
    REQUIRE(w->text_indexed() == w->committed_seq());
    CHECK(g_wal_syncs.load() == after_commits);
    // ...and the level is back: the next commit is synced.
    REQUIRE(w->append(accepted(k_commits + 1)).stored);
    CHECK(g_wal_syncs.load() >= after_commits + 1);
  }
}
