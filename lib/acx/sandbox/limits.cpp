#include "acx/sandbox/limits.hpp"

#include "acx/acculynx/budget.hpp"

namespace acx::sandbox {

namespace {
constexpr std::int64_t k_kept_seconds = 600;
}

std::string address_of(const std::string& remote)
{
  if (remote.starts_with("[")) {
    return remote.substr(1, remote.find(']') - 1);
  }
  return remote.substr(0, remote.rfind(':'));
}

Limits::Judged Limits::admit(const std::string& key, const std::string& address, std::int64_t now_ms)
{
  const std::int64_t second = now_ms / 1000;
  std::lock_guard lock(m_mutex);
  while (!m_seconds.empty() && m_seconds.begin()->first <= second - k_kept_seconds) {
    m_seconds.erase(m_seconds.begin());
  }
  auto& counts = m_seconds[second];
  counts.second = second;
  const int by_key = ++counts.keys[acculynx::budget_label(key)];
  const int by_address = ++counts.addresses[address];
  auto& until = m_banned_until[address];
  if (now_ms < until) {
    return {Verdict::banned, until};
  }
  if (by_address > m_rules.per_address) {
    until = now_ms + m_rules.ban.count();
    m_bans.push_back({address, until});
    return {Verdict::address_limit, until};
  }
  if (by_key > m_rules.per_key) {
    return {Verdict::key_limit, 0};
  }
  return {Verdict::ok, 0};
}

Limits::Usage Limits::usage() const
{
  std::lock_guard lock(m_mutex);
  Usage u;
  for (const auto& [s, counts] : m_seconds) {
    u.seconds.push_back(counts);
  }
  u.bans = m_bans;
  return u;
}

} // namespace acx::sandbox
