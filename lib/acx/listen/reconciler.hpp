#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "acx/journal/journal.hpp"
#include "acx/listen/metrics.hpp"
#include "acx/util/notice.hpp"
#include "acx/util/thread.hpp"
#include "acx/util/time.hpp"

namespace acx::listen {

// What one reconciliation pass found (acx reconcile's summary).
struct ReconcileOutcome {
  std::size_t changes = 0;
  std::size_t matched = 0;
  std::size_t missed = 0;
  std::size_t repaired = 0;
  std::size_t api_requests = 0;
};

// listen --reconcile-every: `pass` runs acx reconcile over the last `window` (and repairs into the listener's journal
// when told to: the command supplies it, so the listener knows nothing of AccuLynx's API), at start and every `every`.
struct ReconcileOptions {
  std::chrono::milliseconds every{3'600'000};
  std::chrono::milliseconds window{7'200'000};
  std::function<ReconcileOutcome(journal::Writer& writer, util::Instant since, std::stop_token stop)> pass;
};

// Runs the passes on a thread of its own, within the shared API budget (the pass's API client waits for it); each
// run's missed changes are said (a notice) and counted for /metrics; /healthz shows the last run and is degraded
// while the last one left changes missed and not repaired.
class Reconciler {
public:
  Reconciler(ReconcileOptions options, journal::Writer& writer, util::Notify notify);
  void start() { m_periodic.start(); }
  void stop() { m_periodic.stop(); }

  struct Last {
    util::Instant at;
    ReconcileOutcome outcome;
    std::string error; // why the last pass failed; empty when it ran
  };
  std::optional<Last> last() const;

  // For /healthz: the last run in a line of `details`; a `degraded` line (and `brief`, if empty) while it left changes
  // missed and not repaired.
  void health(std::vector<std::string>& degraded, std::string& brief, std::string& details) const;
  // acx_reconcile_runs_total, acx_reconcile_missed_total, acx_reconcile_repaired_total, acx_reconcile_last_*.
  void metrics(Registry& r) const;

private:
  void pass_once(std::stop_token stop);

  ReconcileOptions m_options;
  journal::Writer& m_writer;
  util::Notify m_notify;
  mutable std::mutex m_mutex;
  std::optional<Last> m_last;
  std::size_t m_runs = 0, m_missed = 0, m_repaired = 0;
  util::Periodic m_periodic;
};

} // namespace acx::listen
