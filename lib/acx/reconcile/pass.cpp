#include "acx/reconcile/pass.hpp"

#include "acx/reconcile/repair.hpp"

namespace acx::reconcile {

Report pass(acculynx::Api& api, journal::Reader& reader, journal::Writer* writer, const Plan& plan,
            std::stop_token stop, const std::function<void(std::size_t, std::size_t)>& progress)
{
  Report report;
  report.read = read_changes(api, plan.window, stop, progress);
  if (!plan.topics.empty()) {
    std::erase_if(report.read.changes, [&](const Change& c) { return !plan.topics.contains(c.topic); });
  }
  report.result =
      match(report.read.changes, read_deliveries(reader, plan.window, plan.tolerance), plan.window, plan.tolerance);
  if (plan.repair && writer && !report.result.missed.empty() && !stop.stop_requested()) {
    report.repaired =
        journal_rebuilt(*writer, reader, rebuild(api, report.result.missed, plan.subscription_of), plan.tolerance);
  }
  return report;
}

} // namespace acx::reconcile
