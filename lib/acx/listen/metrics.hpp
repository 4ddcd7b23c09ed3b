#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "acx/contract/drift.hpp"
#include "acx/forward/forwarder.hpp"
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
  contract,     // differs from its topic's schema, under --contract refuse (answered 422)
  count_
};

std::string_view refusal_name(Refusal r);

// Every Prometheus family of /metrics, written one way: a family's HELP and TYPE once, then its samples, families in
// the order first added. Each part of the listener adds its own; text() is the exposition (format 0.0.4).
class Registry {
public:
  using Labels = std::vector<std::pair<std::string_view, std::string>>;
  void counter(std::string_view name, std::string_view help, double value, const Labels& labels = {});
  void gauge(std::string_view name, std::string_view help, double value, const Labels& labels = {});
  // A histogram of cumulative counts per upper bound (`bounds`), and its count and sum.
  void histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                 const std::vector<std::uint64_t>& cumulative, std::uint64_t count, double sum);
  std::string text() const;

private:
  struct Family {
    std::string name, help, type, samples;
  };
  std::string& samples(std::string_view name, std::string_view help, std::string_view type);
  static void sample(std::string& out, std::string_view name, double value, const Labels& labels);
  std::vector<Family> m_families;
};

// Counters for /metrics, safe to bump from any thread.
class Metrics {
public:
  void received() { ++m_received; }
  void accepted() { ++m_accepted; }
  void duplicate() { ++m_duplicates; }
  void refused(Refusal r) { ++m_refused[static_cast<std::size_t>(r)]; }
  // A delivery checked against its topic's schema: each kind of difference it shows counts once.
  void drifted(const std::string& topic, const contract::Drift& drift);

  std::uint64_t accepted_count() const { return m_accepted.load(); }

  // The counters' families, and the journal's commit latency.
  void write(Registry& registry, const journal::CommitStats& commits) const;

private:
  std::atomic<std::uint64_t> m_received{0};
  std::atomic<std::uint64_t> m_accepted{0};
  std::atomic<std::uint64_t> m_duplicates{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Refusal::count_)> m_refused{};
  mutable std::mutex m_drift_mutex;
  std::map<std::pair<std::string, contract::Kind>, std::uint64_t> m_drift; // (topic, kind) -> deliveries
};

// A consumer's figures, labelled with its label: delivered, filtered, retried, dead, lag, the oldest pending event's
// age, stopped.
void consumer_metrics(const std::string& label, const forward::Stats& s, Registry& r);

} // namespace acx::listen
