#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "acx/deliver/delivery.hpp"
#include "acx/http/client.hpp"

namespace acx::deliver {

struct LoadOptions {
  std::size_t count = 0;       // requests in all; 0: until the duration ends
  std::size_t connections = 1; // concurrent keep-alive connections, one worker each
  double rate = 0;             // requests per second in all; 0: as fast as answers come
  std::optional<std::chrono::milliseconds> duration;
  http::ClientOptions client;
  std::stop_token stop; // asked (Ctrl-C): no new request; those under way are answered or time out
};

// Latencies in logarithmic buckets 1% wide, so memory stays flat whatever the number of requests.
class LatencyHistogram {
public:
  void add(std::chrono::microseconds latency);
  void merge(const LatencyHistogram& other);
  std::chrono::microseconds percentile(double p) const; // p in [0, 100]
  std::chrono::microseconds max() const { return std::chrono::microseconds(m_max); }
  std::uint64_t count() const { return m_count; }

private:
  static constexpr std::size_t k_buckets = 2048;
  std::array<std::uint64_t, k_buckets> m_buckets{};
  std::uint64_t m_count = 0;
  std::int64_t m_max = 0;
};

// Counters a progress display may read while the load runs.
struct LoadProgress {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> failed{0};
};

struct LoadResult {
  std::uint64_t sent = 0;
  std::uint64_t accepted = 0;                  // 2xx
  std::uint64_t duplicates = 0;                // 2xx whose body said "duplicate" (as acx listen answers)
  std::map<int, std::uint64_t> refused;        // by status
  std::map<std::string, std::uint64_t> errors; // transport errors by description
  std::chrono::microseconds elapsed{0};
  LatencyHistogram latency;
};

// Makes request number `index` (called from several threads at once): a distinct, freshly signed event.
using RequestFactory = std::function<Outgoing(std::size_t index)>;

// Sends requests over `connections` keep-alive connections until `count` are sent or `duration` ends, paced to
// `rate` when given. No retries: each request is counted once, as answered. `progress` is updated as it goes.
// Unpaced plain-HTTP loads run on http::run_load_client's event loops; paced or HTTPS ones on a thread per
// connection with http::Client.
LoadResult run_load(const LoadOptions& options, const RequestFactory& make, LoadProgress& progress);

// A factory for load: the prepared request's eventId and eventDateTime are replaced in its bytes (same length) for
// each request, then the body is signed again with `sign`.
RequestFactory stamping_factory(Outgoing prototype,
                                std::function<Outgoing(std::string body, std::string event_id)> sign);

} // namespace acx::deliver
