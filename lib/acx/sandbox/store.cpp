#include "acx/sandbox/store.hpp"
#include "acx/event/json_text.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "acx/sqlite/sqlite.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"

namespace acx::sandbox {

namespace {

using sqlite::Statement;

constexpr const char* k_columns = "id, owner, consumer_url, contact, topics, status, integration_type, created, "
                                  "modified, secret";

Stored read(const Statement& st)
{
  Stored kept;
  auto& s = kept.subscription;
  s.id = st.text(0);
  kept.owner = st.text(1);
  s.consumer_url = st.text(2);
  s.contact = st.text(3);
  const auto topics = nlohmann::json::parse(st.text(4), nullptr, false);
  if (topics.is_array()) {
    for (const auto& t : topics) {
      if (t.is_string()) {
        s.topics.push_back(t.get<std::string>());
      }
    }
  }
  s.status = st.text(5);
  s.integration_type = st.text(6);
  s.created = st.text(7);
  s.modified = st.text(8);
  kept.secret = st.text(9);
  return kept;
}

} // namespace

Store::Store(const std::string& dir)
{
  util::create_private_directories(dir, "the sandbox's data directory");
  const std::string path = dir + "/sandbox.db";
  // Created private here: SQLite gives its -wal and -shm files the database's mode.
  if (const int fd = util::open_private(path); fd >= 0) {
    ::close(fd);
  } else {
    throw Error(ExitCode::io, fmt::format("cannot open the sandbox's state {}: {}", util::printable(path),
                                          errno == ELOOP ? "it is a symbolic link" : std::strerror(errno)));
  }
  try {
    m_db = std::make_unique<sqlite::Database>(path, false);
    m_db->busy_timeout(std::chrono::seconds(2));
    m_db->exec("PRAGMA journal_mode = WAL");
    m_db->exec(R"sql(
CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, owner TEXT NOT NULL, consumer_url TEXT NOT NULL,
  contact TEXT NOT NULL, topics TEXT NOT NULL, status TEXT NOT NULL, integration_type TEXT NOT NULL,
  created TEXT NOT NULL, modified TEXT NOT NULL, secret TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, subscription_id TEXT NOT NULL,
  event_id TEXT NOT NULL, topic TEXT NOT NULL, attempt INTEGER NOT NULL, status INTEGER NOT NULL,
  latency_ms REAL NOT NULL, error TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '');
)sql");
    // A sandbox.db from before attempts were kept per API key: its old attempts belong to nobody.
    m_db->add_column_if_missing("attempts", "owner", "TEXT NOT NULL DEFAULT ''");
  } catch (const sqlite::SqliteError& e) {
    throw Error(ExitCode::io, fmt::format("cannot open the sandbox's state {}: {}", path, e.message));
  }
}

Store::~Store() = default;

std::vector<Stored> Store::list(const std::string& owner) const
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, fmt::format("SELECT {} FROM subscriptions WHERE owner = ?1 ORDER BY created, id", k_columns));
  st.bind(1, owner);
  std::vector<Stored> out;
  while (st.step()) {
    out.push_back(read(st));
  }
  return out;
}

std::vector<Stored> Store::all() const
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, fmt::format("SELECT {} FROM subscriptions ORDER BY created, id", k_columns));
  std::vector<Stored> out;
  while (st.step()) {
    out.push_back(read(st));
  }
  return out;
}

std::optional<Stored> Store::get(const std::string& owner, const std::string& id) const
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, fmt::format("SELECT {} FROM subscriptions WHERE owner = ?1 AND id = ?2", k_columns));
  st.bind(1, owner).bind(2, id);
  if (!st.step()) {
    return std::nullopt;
  }
  return read(st);
}

void Store::put(const Stored& kept)
{
  const auto& s = kept.subscription;
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, fmt::format("INSERT OR REPLACE INTO subscriptions({}) VALUES(?,?,?,?,?,?,?,?,?,?)", k_columns));
  st.bind(1, s.id)
      .bind(2, kept.owner)
      .bind(3, s.consumer_url)
      .bind(4, s.contact)
      .bind(5, event::json_text(nlohmann::json(s.topics)))
      .bind(6, s.status)
      .bind(7, s.integration_type)
      .bind(8, s.created)
      .bind(9, s.modified)
      .bind(10, kept.secret)
      .run();
}

bool Store::remove(const std::string& owner, const std::string& id)
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, "DELETE FROM subscriptions WHERE owner = ?1 AND id = ?2");
  st.bind(1, owner).bind(2, id).run();
  return m_db->changes() > 0;
}

void Store::log(const LoggedAttempt& a)
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, "INSERT INTO attempts(at, subscription_id, event_id, topic, attempt, status, latency_ms, "
                      "error, owner) VALUES(?,?,?,?,?,?,?,?,?)");
  st.bind(9, a.owner);
  st.bind(1, a.at)
      .bind(2, a.subscription_id)
      .bind(3, a.event_id)
      .bind(4, a.topic)
      .bind(5, static_cast<std::int64_t>(a.attempt))
      .bind(6, static_cast<std::int64_t>(a.status))
      .bind(7, static_cast<std::int64_t>(a.latency_ms * 1000)) // stored in microseconds
      .bind(8, a.error)
      .run();
}

std::vector<LoggedAttempt> Store::attempts(const std::string& owner, const std::string& subscription_id) const
{
  std::lock_guard lock(m_mutex);
  Statement st(*m_db, "SELECT at, subscription_id, event_id, topic, attempt, status, latency_ms, error FROM "
                      "attempts WHERE owner = ?2 AND (?1 = '' OR subscription_id = ?1) ORDER BY seq");
  st.bind(1, subscription_id).bind(2, owner);
  std::vector<LoggedAttempt> out;
  while (st.step()) {
    out.push_back({owner, st.text(0), st.text(1), st.text(2), st.text(3), static_cast<int>(st.int64(4)),
                   static_cast<int>(st.int64(5)), static_cast<double>(st.int64(6)) / 1000.0, st.text(7)});
  }
  return out;
}

} // namespace acx::sandbox
