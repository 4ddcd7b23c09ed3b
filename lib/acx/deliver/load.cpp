#include "acx/deliver/load.hpp"
#include "acx/util/service.hpp"

#include <cmath>
#include <fmt/format.h>
#include <mutex>
#include <thread>

#include "acx/http/load_client.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::deliver {

namespace {
const double k_log_step = std::log(1.01);

std::size_t bucket_of(std::int64_t us)
{
  if (us <= 1) {
    return 0;
  }
  return std::min<std::size_t>(static_cast<std::size_t>(std::log(static_cast<double>(us)) / k_log_step) + 1, 2047);
}

std::int64_t value_of(std::size_t bucket)
{
  return bucket == 0 ? 1 : static_cast<std::int64_t>(std::exp(static_cast<double>(bucket) * k_log_step));
}
} // namespace

void LatencyHistogram::add(std::chrono::microseconds latency)
{
  ++m_buckets[bucket_of(latency.count())];
  ++m_count;
  m_max = std::max<std::int64_t>(m_max, latency.count());
}

void LatencyHistogram::merge(const LatencyHistogram& other)
{
  for (std::size_t i = 0; i < k_buckets; ++i) {
    m_buckets[i] += other.m_buckets[i];
  }
  m_count += other.m_count;
  m_max = std::max(m_max, other.m_max);
}

std::chrono::microseconds LatencyHistogram::percentile(double p) const
{
  if (m_count == 0) {
    return std::chrono::microseconds(0);
  }
  const auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(m_count)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < k_buckets; ++i) {
    seen += m_buckets[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      return std::chrono::microseconds(std::min(value_of(i), m_max));
    }
  }
  return max();
}

namespace {

// Counts one answer into a result.
void count(LoadResult& r, LoadProgress& progress, int status, std::string_view body, std::string_view error,
           std::chrono::microseconds latency)
{
  ++r.sent;
  ++progress.sent;
  if (status >= 200 && status < 300) {
    ++r.accepted;
    ++progress.accepted;
    r.latency.add(latency);
    if (body.find("\"status\":\"duplicate\"") != std::string_view::npos) {
      ++r.duplicates;
    }
  } else {
    ++progress.failed;
    if (status == 0) {
      ++r.errors[std::string(error)];
    } else {
      ++r.refused[status];
      r.latency.add(latency);
    }
  }
}

// As fast as answers come, over plain HTTP: the event-loop client, a few threads for all the connections.
LoadResult run_unpaced(const LoadOptions& o, const RequestFactory& make, LoadProgress& progress,
                       const util::Url& origin)
{
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = o.duration ? std::optional(start + *o.duration) : std::nullopt;
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  LoadResult total;
  http::LoadClientOptions lo;
  lo.origin = origin;
  lo.connections = std::max<std::size_t>(1, o.connections);
  lo.threads = std::min<std::size_t>(2, std::max(1u, std::thread::hardware_concurrency()));
  lo.timeout = o.client.timeout;
  http::run_load_client(
      lo,
      [&]() -> std::optional<http::LoadRequest> {
        const std::size_t i = next++;
        if ((o.count > 0 && i >= o.count) || (deadline && clock::now() >= *deadline) || o.stop.stop_requested()) {
          return std::nullopt;
        }
        Outgoing r = make(i);
        const auto url = util::parse_url(r.url);
        return http::LoadRequest{url ? url->target : "/", std::move(r.headers), std::move(r.body)};
      },
      [&](const http::LoadAnswer& a) {
        std::lock_guard lock(mutex);
        count(total, progress, a.status, a.body, a.error, a.latency);
      });
  total.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start);
  return total;
}

} // namespace

LoadResult run_load(const LoadOptions& o, const RequestFactory& make, LoadProgress& progress)
{
  if (o.rate <= 0) {
    const auto first = util::parse_url(make(0).url);
    if (first && first->scheme == "http") {
      return run_unpaced(o, make, progress, *first);
    }
  }
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = o.duration ? std::optional(start + *o.duration) : std::nullopt;
  std::atomic<std::size_t> next{0};
  std::mutex merge_mutex;
  LoadResult total;
  std::string setup_error;

  auto worker = [&] {
    LoadResult mine;
    std::unique_ptr<http::Client> client;
    std::string origin;
    for (;;) {
      const std::size_t i = next++;
      if ((o.count > 0 && i >= o.count) || o.stop.stop_requested()) {
        break;
      }
      if (o.rate > 0) {
        const auto due = start + std::chrono::duration_cast<clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(i) / o.rate));
        if (deadline && due >= *deadline) {
          break;
        }
        while (clock::now() < due && !o.stop.stop_requested()) { // paced, and stopped at once when asked
          std::this_thread::sleep_for(std::min<clock::duration>(due - clock::now(), std::chrono::milliseconds(50)));
        }
      }
      if ((deadline && clock::now() >= *deadline) || o.stop.stop_requested()) {
        break;
      }
      const Outgoing request = make(i);
      const auto url = util::parse_url(request.url);
      if (!url) {
        std::lock_guard lock(merge_mutex);
        setup_error = "bad URL " + request.url;
        break;
      }
      if (!client || origin != url->origin()) {
        client = std::make_unique<http::Client>(*url, o.client);
        origin = url->origin();
      }
      const http::Exchange e = client->post(url->target, request.headers, request.body);
      count(mine, progress, e.status, e.body, e.error, e.latency);
    }
    std::lock_guard lock(merge_mutex);
    total.sent += mine.sent;
    total.accepted += mine.accepted;
    total.duplicates += mine.duplicates;
    for (const auto& [k, v] : mine.refused) {
      total.refused[k] += v;
    }
    for (const auto& [k, v] : mine.errors) {
      total.errors[k] += v;
    }
    total.latency.merge(mine.latency);
  };

  util::run_on_threads(o.connections, worker);
  total.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start);
  if (!setup_error.empty()) {
    throw Error(ExitCode::usage, setup_error);
  }
  return total;
}

RequestFactory stamping_factory(Outgoing prototype,
                                std::function<Outgoing(std::string body, std::string event_id)> sign)
{
  const std::string& text = prototype.body;
  const auto id_at = text.find(prototype.event_id);
  if (id_at == std::string::npos) {
    throw Error(ExitCode::internal, "the prepared event does not contain its own eventId");
  }
  // The eventDateTime value's place, however the body is laid out ("eventDateTime": "...", any case of the key).
  std::size_t time_at = std::string::npos;
  std::size_t time_length = 0;
  const std::string lower = util::to_lower(text);
  if (auto at = lower.find("\"eventdatetime\""); at != std::string::npos) {
    at = text.find_first_not_of(" \t\r\n", at + 15);
    if (at != std::string::npos && text[at] == ':') {
      at = text.find_first_not_of(" \t\r\n", at + 1);
      if (at != std::string::npos && text[at] == '"') {
        const auto end = text.find('"', at + 1);
        if (end != std::string::npos) {
          time_at = at + 1;
          time_length = end - time_at;
        }
      }
    }
  }
  return [prototype = std::move(prototype), sign = std::move(sign), id_at, time_at, time_length](std::size_t) {
    std::string body = prototype.body;
    const std::string id = util::new_guid();
    auto stamp_time = [&] {
      if (time_at != std::string::npos) {
        body.replace(time_at, time_length, util::format_rfc3339(util::now()));
      }
    };
    // The later place first, so the earlier one's offset still holds.
    if (time_at != std::string::npos && time_at > id_at) {
      stamp_time();
      body.replace(id_at, id.size(), id);
    } else {
      body.replace(id_at, id.size(), id);
      stamp_time();
    }
    Outgoing out = sign(std::move(body), id);
    out.topic = prototype.topic;
    return out;
  };
}

} // namespace acx::deliver
