#include "acx/listen/reconciler.hpp"

#include <fmt/format.h>

namespace acx::listen {

Reconciler::Reconciler(ReconcileOptions options, journal::Writer& writer, util::Notify notify)
    : m_options(std::move(options)), m_writer(writer), m_notify(std::move(notify)),
      m_periodic("acx-reconcile", m_options.every, [this](std::stop_token stop) { pass_once(stop); })
{
}

void Reconciler::pass_once(std::stop_token stop)
{
  using Level = util::Notice::Level;
  Last last;
  last.at = util::now();
  util::Instant since = last.at;
  since.seconds -= std::chrono::duration_cast<std::chrono::seconds>(m_options.window).count();
  try {
    last.outcome = m_options.pass(m_writer, since, stop);
  } catch (const std::exception& e) {
    last.error = e.what();
    m_notify({Level::warning, fmt::format("reconcile: {}", e.what())});
  }
  if (stop.stop_requested()) {
    return; // an interrupted pass tells nothing
  }
  const auto& o = last.outcome;
  if (last.error.empty() && o.missed > 0) {
    m_notify({o.missed > o.repaired ? Level::warning : Level::info,
              fmt::format("reconcile: {} of {} changes in the last {} were never delivered{}", o.missed, o.changes,
                          util::format_duration(m_options.window),
                          o.repaired > 0 ? fmt::format("; {} repaired into the journal", o.repaired)
                                         : std::string("; acx reconcile --repair, or --reconcile-repair, adds them"))});
  }
  std::lock_guard lock(m_mutex);
  ++m_runs;
  m_missed += o.missed;
  m_repaired += o.repaired;
  m_last = std::move(last);
}

std::optional<Reconciler::Last> Reconciler::last() const
{
  std::lock_guard lock(m_mutex);
  return m_last;
}

void Reconciler::health(std::vector<std::string>& degraded, std::string& brief, std::string& details) const
{
  const auto l = last();
  if (!l) {
    details += "reconcile: the first pass is running\n";
    return;
  }
  const auto& o = l->outcome;
  details += l->error.empty()
                 ? fmt::format("reconcile: last at {}: {} changes in the last {}, {} missed, {} repaired ({} API "
                               "requests)\n",
                               util::format_rfc3339(l->at), o.changes, util::format_duration(m_options.window),
                               o.missed, o.repaired, o.api_requests)
                 : fmt::format("reconcile: last at {} failed: {}\n", util::format_rfc3339(l->at), l->error);
  if (o.missed > o.repaired) {
    degraded.push_back(fmt::format("reconcile found {} changes AccuLynx never delivered", o.missed - o.repaired));
    if (brief.empty()) {
      brief = "reconcile found changes never delivered";
    }
  }
}

void Reconciler::metrics(Registry& r) const
{
  std::lock_guard lock(m_mutex);
  r.counter("acx_reconcile_runs_total", "Reconciliation passes run (listen --reconcile-every).",
            static_cast<double>(m_runs));
  r.counter("acx_reconcile_missed_total",
            "Changes AccuLynx's API shows that no delivery reported, found by the passes (one left unrepaired is "
            "counted by each pass that finds it).",
            static_cast<double>(m_missed));
  r.counter("acx_reconcile_repaired_total", "Events rebuilt from the API and journaled for missed changes.",
            static_cast<double>(m_repaired));
  if (m_last) {
    r.gauge("acx_reconcile_last_run_timestamp_seconds", "When the last pass began (Unix time).",
            static_cast<double>(m_last->at.seconds));
    r.gauge("acx_reconcile_last_missed", "Changes the last pass found missed.",
            static_cast<double>(m_last->outcome.missed));
  }
}

} // namespace acx::listen
