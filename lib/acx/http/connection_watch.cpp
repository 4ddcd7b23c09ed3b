#include "acx/http/connection_watch.hpp"

#include <algorithm>
#include <optional>
#include <sys/socket.h>

#include "acx/util/text.hpp"
#include "acx/util/thread.hpp"

namespace acx::http::detail {

ConnectionWatch::ConnectionWatch(std::size_t per_address, std::vector<std::string> trusted_proxies)
    : m_per_address(per_address), m_trusted(std::move(trusted_proxies))
{
  m_thread = util::Thread("acx-deadlines", [this](std::stop_token stop) { loop(stop); });
}

ConnectionWatch::~ConnectionWatch()
{
  m_thread.request_stop();
  m_thread.join();
}

bool ConnectionWatch::trusted(const std::string& address) const
{
  return std::find(m_trusted.begin(), m_trusted.end(), address) != m_trusted.end();
}

void ConnectionWatch::stop_accepting()
{
  m_refusing = true;
}

bool ConnectionWatch::admit(const std::string& address) const
{
  if (m_refusing) {
    return false;
  }
  if (m_per_address == 0 || trusted(address)) {
    return true;
  }
  std::lock_guard lock(m_mutex);
  const auto it = m_per_ip.find(address);
  return it == m_per_ip.end() || it->second < m_per_address;
}

void ConnectionWatch::opened(const void* key, int fd, const std::string& address, Clock::time_point deadline)
{
  std::lock_guard lock(m_mutex);
  Watched w{fd, address, !trusted(address), deadline};
  if (w.counted) {
    ++m_per_ip[address];
  }
  m_connections[key] = std::move(w);
  wake_for(deadline);
}

void ConnectionWatch::closed(const void* key)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_connections.find(key);
  if (it == m_connections.end()) {
    return;
  }
  if (it->second.counted) {
    if (auto ip = m_per_ip.find(it->second.address); ip != m_per_ip.end() && --ip->second == 0) {
      m_per_ip.erase(ip);
    }
  }
  m_connections.erase(it);
}

void ConnectionWatch::set_deadline(const void* key, Clock::time_point deadline, bool sooner_only)
{
  std::lock_guard lock(m_mutex);
  if (auto it = m_connections.find(key); it != m_connections.end()) {
    it->second.deadline = sooner_only ? std::min(it->second.deadline, deadline) : deadline;
    wake_for(it->second.deadline);
  }
}

void ConnectionWatch::wake_for(Clock::time_point deadline)
{
  // Once per request: the loop is woken only when it would otherwise sleep past this deadline.
  if (deadline < m_wake_at) {
    m_wake_at = deadline;
    m_cv.notify_all();
  }
}

bool ConnectionWatch::begin_proxied(const std::string& client)
{
  std::lock_guard lock(m_mutex);
  auto& n = m_per_client[client];
  if (m_per_address != 0 && n >= m_per_address) {
    if (n == 0) {
      m_per_client.erase(client);
    }
    return false;
  }
  ++n;
  return true;
}

void ConnectionWatch::end_proxied(const std::string& client)
{
  std::lock_guard lock(m_mutex);
  if (auto it = m_per_client.find(client); it != m_per_client.end() && --it->second == 0) {
    m_per_client.erase(it);
  }
}

std::size_t ConnectionWatch::cut_off() const
{
  std::lock_guard lock(m_mutex);
  return m_cut_off;
}

void ConnectionWatch::loop(std::stop_token stop)
{
  // A stop request wakes the wait below (under the mutex: never between the check and the wait).
  const std::stop_callback wake(stop, [this] {
    std::lock_guard locked(m_mutex);
    m_cv.notify_all();
  });
  std::unique_lock lock(m_mutex);
  while (!stop.stop_requested()) {
    const auto now = Clock::now();
    auto next = k_none;
    for (auto& [key, w] : m_connections) {
      if (w.deadline <= now) {
        ::shutdown(w.fd, SHUT_RDWR); // the server sees the end of the connection, and closes it
        w.deadline = k_none;
        ++m_cut_off;
      } else {
        next = std::min(next, w.deadline);
      }
    }
    // Deadlines are seconds apart: waking at most every 100 ms past one keeps this thread cheap under many.
    m_wake_at = next == k_none ? k_none : std::max(next, now + std::chrono::milliseconds(100));
    if (next == k_none) {
      m_cv.wait(lock);
    } else {
      m_cv.wait_until(lock, m_wake_at);
    }
  }
}

std::optional<std::string> forwarded_client(const std::string& header, const ConnectionWatch& watch)
{
  const auto entries = util::split(header, ',');
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const std::string address(util::trim(*it));
    if (address.empty() || address.size() > 64 ||
        address.find_first_not_of("0123456789abcdefABCDEF.:[]") != std::string::npos) {
      return std::nullopt; // not an address: believe nothing further left
    }
    if (!watch.trusted(address)) {
      return address;
    }
  }
  return std::nullopt;
}

} // namespace acx::http::detail
