#include "acx/listen/metrics.hpp"

#include <fmt/format.h>

namespace acx::listen {

std::string_view refusal_name(Refusal r)
{
  static constexpr std::array<std::string_view, static_cast<std::size_t>(Refusal::count_)> k_names{
      "missing", "malformed",    "too_old",      "too_new",   "mismatch",
      "invalid", "subscription", "content_type", "too_large", "unavailable"};
  return k_names[static_cast<std::size_t>(r)];
}

std::string Metrics::prometheus(const journal::CommitStats& commits) const
{
  std::string out;
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
  };
  counter("acx_deliveries_received_total", "Deliveries received on the webhook path.", m_received.load());
  counter("acx_deliveries_accepted_total", "Deliveries verified, valid, new, and journaled.", m_accepted.load());
  counter("acx_deliveries_duplicate_total", "Deliveries whose eventId was already accepted.", m_duplicates.load());
  out += "# HELP acx_deliveries_refused_total Deliveries refused, by reason.\n"
         "# TYPE acx_deliveries_refused_total counter\n";
  for (std::size_t i = 0; i < m_refused.size(); ++i) {
    out += fmt::format("acx_deliveries_refused_total{{reason=\"{}\"}} {}\n", refusal_name(static_cast<Refusal>(i)),
                       m_refused[i].load());
  }
  out += "# HELP acx_journal_commit_seconds Time to commit one group of deliveries to the journal (fsync included).\n"
         "# TYPE acx_journal_commit_seconds histogram\n";
  const auto& bounds = journal::commit_buckets();
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    out += fmt::format("acx_journal_commit_seconds_bucket{{le=\"{}\"}} {}\n", bounds[b],
                       b < commits.buckets.size() ? commits.buckets[b] : 0);
  }
  out += fmt::format("acx_journal_commit_seconds_bucket{{le=\"+Inf\"}} {}\n", commits.commits);
  out += fmt::format("acx_journal_commit_seconds_sum {}\nacx_journal_commit_seconds_count {}\n", commits.seconds_total,
                     commits.commits);
  counter("acx_journal_records_committed_total", "Records committed to the journal.", commits.records);
  return out;
}

} // namespace acx::listen
