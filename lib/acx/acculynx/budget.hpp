#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace acx::acculynx {

// AccuLynx answers 429 past 10 requests a second per API key and 30 per source address, and bans the address for
// 30 seconds to minutes past the second. acx keeps below: by default 8 and 25.
inline constexpr int k_key_limit = 10;
inline constexpr int k_address_limit = 30;

struct BudgetRules {
  int per_key = 8;      // requests a second with one API key, every acx process together
  int per_machine = 25; // requests a second from this machine, every key together
};

// One budget for every request acx makes to an AccuLynx API, shared by all the acx processes of a user through a
// small file (mode 0600) under a lock: four commands at once still cannot get the address banned.
//
// A request counts from when it is taken until a second after its answer came back (or until it is answered, while it
// is in flight): so whatever the delays on the way, no second of the server's clock can see more than the rules allow.
// A 429 pauses the key (or, when the answer says it is about the address, every key) with backoff and jitter; the
// next request with it waits the pause out. Keys are kept in the file only as digests.
class Budget {
public:
  // `path`: the shared file (created, with its directory, private to the user); empty: this process's alone. Throws
  // acx::Error (io).
  Budget(std::string path, BudgetRules rules);
  ~Budget();
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;

  struct Slot {
    std::string label;
    long pid = 0;
    std::uint64_t n = 0;
  };
  // Waits until one more request with `key` keeps to the rules and no pause holds it, and records it in flight.
  Slot take(const std::string& key);

  // What a 429 made the budget do.
  struct Pause {
    std::chrono::milliseconds wait{0};
    bool every_key = false;
  };
  // The request is over with `status`. A 429 pauses its key, or every key when `address_wide`, for `retry_after`
  // when the server gave one, else for a backoff growing with the 429s in a row; anything else ends the streak.
  std::optional<Pause> done(const Slot& slot, int status, bool address_wide,
                            std::optional<std::chrono::seconds> retry_after = std::nullopt);

  // What was spent in the last minute, per key label and in all, and the pauses in force.
  struct Usage {
    struct Key {
      std::string label;
      int last_minute = 0;
      int last_second = 0;
      std::int64_t paused_until_ms = 0;
    };
    std::vector<Key> keys;
    int last_minute = 0;
    int last_second = 0;
    std::int64_t all_paused_until_ms = 0;
  };
  Usage usage() const;

  const BudgetRules& rules() const { return m_rules; }
  const std::string& path() const { return m_path; }

private:
  std::string m_path;
  BudgetRules m_rules;
  int m_fd = -1;
  mutable std::mutex m_mutex;
  std::uint64_t m_next = 0; // under m_mutex
};

// How a key appears in the budget's file and usage: "key-" and the first 8 hex digits of its SHA-256.
std::string budget_label(const std::string& key);

} // namespace acx::acculynx
