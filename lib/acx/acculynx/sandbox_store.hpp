#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace acx::sqlite {
class Database;
}

namespace acx::acculynx {

// A subscription as the sandbox keeps it.
struct StoredSubscription {
  std::string id;
  std::string owner; // the API key that created it
  std::string consumer_url;
  std::string contact;
  std::vector<std::string> topics;
  std::string status = "enabled";
  std::string integration_type = "Api";
  std::string created;
  std::string modified;
  std::string secret; // whsec_..., for --sign standard
};

// One delivery attempt by the sandbox.
struct DeliveryAttempt {
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
class SandboxStore {
public:
  // Opens or creates DIR/sandbox.db (DIR with mode 0700). Throws acx::Error (io).
  explicit SandboxStore(const std::string& dir);
  ~SandboxStore();

  std::vector<StoredSubscription> list(const std::string& owner) const;
  std::vector<StoredSubscription> all() const;
  std::optional<StoredSubscription> get(const std::string& owner, const std::string& id) const;
  void put(const StoredSubscription& s);
  bool remove(const std::string& owner, const std::string& id);

  void log(const DeliveryAttempt& a);
  // The attempts at delivering to `owner`'s subscriptions (one, or all for an empty id), in order.
  std::vector<DeliveryAttempt> attempts(const std::string& owner, const std::string& subscription_id) const;

private:
  mutable std::mutex m_mutex;
  std::unique_ptr<sqlite::Database> m_db;
};

} // namespace acx::acculynx
