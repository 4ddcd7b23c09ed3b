#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace acx::sandbox {

// AccuLynx's request limits, as the sandbox enforces them.
struct LimitRules {
  int per_key = 10;                      // requests in one second with one API key; more are answered 429
  int per_address = 30;                  // requests in one second from one address, all keys together; more ban it
  std::chrono::milliseconds ban{30'000}; // how long a banned address is answered 429, whatever it sends
};

// Counts every request per API key and per source address in fixed one-second windows (Unix seconds), judges it
// by the rules, and keeps the counts of the last ten minutes for `acx sandbox usage`. Keys are kept only as labels
// (acculynx::budget_label: the client's usage names them the same), never as given. Time is given, never read, so the
// tests run it on their own clock.
class Limits {
public:
  explicit Limits(LimitRules rules) : m_rules(rules) {}

  enum class Verdict { ok, key_limit, address_limit, banned };
  struct Judged {
    Verdict verdict = Verdict::ok;
    std::int64_t banned_until_ms = 0; // when the address's ban ends (address_limit, banned)
  };
  // One request with `key` from `address` at `now_ms` (Unix milliseconds): counted, then judged.
  Judged admit(const std::string& key, const std::string& address, std::int64_t now_ms);

  struct Second {
    std::int64_t second = 0;
    std::map<std::string, int> keys; // by label
    std::map<std::string, int> addresses;
  };
  struct Ban {
    std::string address;
    std::int64_t until_ms = 0;
  };
  struct Usage {
    std::vector<Second> seconds; // oldest first, only seconds with requests
    std::vector<Ban> bans;       // bans in force or ended in the kept window, in order
  };
  Usage usage() const;

  const LimitRules& rules() const { return m_rules; }

private:
  LimitRules m_rules;
  mutable std::mutex m_mutex;
  std::map<std::int64_t, Second> m_seconds;
  std::map<std::string, std::int64_t> m_banned_until;
  std::vector<Ban> m_bans;
};

// The address of "addr:port" or "[v6]:port".
std::string address_of(const std::string& remote);

} // namespace acx::sandbox
