#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "acx/journal/journal.hpp"

namespace acx::listen {

// Why the listener refused a request.
enum class Refusal {
  missing,      // verification: header or token absent
  malformed,    // verification: not in the scheme's form
  too_old,      // verification: timestamp beyond the tolerance, past
  too_new,      // verification: timestamp beyond the tolerance, future
  mismatch,     // verification: wrong secret or altered body
  invalid,      // not a valid envelope
  subscription, // subscriptionId not in the allow-list
  content_type, // declared a content type that is not JSON
  too_large,    // body above --max-body
  unavailable,  // the journal could not store it (answered 503)
  count_
};

std::string_view refusal_name(Refusal r);

// Counters for /metrics, safe to bump from any thread.
class Metrics {
public:
  void received() { ++m_received; }
  void accepted() { ++m_accepted; }
  void duplicate() { ++m_duplicates; }
  void refused(Refusal r) { ++m_refused[static_cast<std::size_t>(r)]; }

  std::uint64_t accepted_count() const { return m_accepted.load(); }

  // The Prometheus text exposition of the counters and the journal's commit latency.
  std::string prometheus(const journal::CommitStats& commits) const;

private:
  std::atomic<std::uint64_t> m_received{0};
  std::atomic<std::uint64_t> m_accepted{0};
  std::atomic<std::uint64_t> m_duplicates{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Refusal::count_)> m_refused{};
};

} // namespace acx::listen
