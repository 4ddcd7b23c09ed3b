#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acx/acculynx/subscription.hpp"

namespace acx::sqlite {
class Database;
}

namespace acx::sandbox {

// A subscription as the sandbox keeps it: what the API shows, the API key that made it, and its signing secret.
struct Stored {
  acculynx::Subscription subscription;
  std::string owner;  // the API key that created it
  std::string secret; // whsec_..., for --sign standard
};

// One delivery attempt by the sandbox.
struct LoggedAttempt {
  std::string owner; // the API key whose subscription it was
  std::string at;
  std::string subscription_id;
  std::string event_id;
  std::string topic;
  int attempt = 1;
  int status = 0;
  double latency_ms = 0;
  std::string error;
};

// The sandbox's state in SQLite (sandbox.db in its data directory), so it survives a restart. Thread-safe.
class Store {
public:
  // Opens or creates DIR/sandbox.db (DIR with mode 0700). Throws acx::Error (io).
  explicit Store(const std::string& dir);
  ~Store();

  std::vector<Stored> list(const std::string& owner) const;
  std::vector<Stored> all() const;
  std::optional<Stored> get(const std::string& owner, const std::string& id) const;
  void put(const Stored& s);
  bool remove(const std::string& owner, const std::string& id);

  void log(const LoggedAttempt& a);
  // The attempts at delivering to `owner`'s subscriptions (one, or all for an empty id), in order.
  std::vector<LoggedAttempt> attempts(const std::string& owner, const std::string& subscription_id) const;

private:
  mutable std::mutex m_mutex;
  std::unique_ptr<sqlite::Database> m_db;
};

} // namespace acx::sandbox
