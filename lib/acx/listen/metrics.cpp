#include "acx/listen/metrics.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <mutex>

#include "acx/util/text.hpp"

namespace acx::listen {

std::string_view refusal_name(Refusal r)
{
  static constexpr std::array<std::string_view, static_cast<std::size_t>(Refusal::count_)> k_names{
      "missing",      "malformed",    "too_old",   "too_new",     "mismatch", "invalid",
      "subscription", "content_type", "too_large", "unavailable", "contract"};
  return k_names[static_cast<std::size_t>(r)];
}

std::string& Registry::samples(std::string_view name, std::string_view help, std::string_view type)
{
  for (auto& f : m_families) {
    if (f.name == name) {
      return f.samples;
    }
  }
  m_families.push_back({std::string(name), std::string(help), std::string(type), {}});
  return m_families.back().samples;
}

void Registry::sample(std::string& out, std::string_view name, double value, const Labels& labels)
{
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      out += fmt::format("{}{}=", i > 0 ? "," : "", labels[i].first);
      util::append_json_string(out, labels[i].second); // quoted, with '"', '\\' and newlines escaped
    }
    out += '}';
  }
  out += fmt::format(" {}\n", value);
}

void Registry::counter(std::string_view name, std::string_view help, double value, const Labels& labels)
{
  sample(samples(name, help, "counter"), name, value, labels);
}

void Registry::gauge(std::string_view name, std::string_view help, double value, const Labels& labels)
{
  sample(samples(name, help, "gauge"), name, value, labels);
}

void Registry::histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                         const std::vector<std::uint64_t>& cumulative, std::uint64_t count, double sum)
{
  std::string& out = samples(name, help, "histogram");
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    sample(out, bucket, static_cast<double>(b < cumulative.size() ? cumulative[b] : 0),
           {{"le", fmt::format("{}", bounds[b])}});
  }
  sample(out, bucket, static_cast<double>(count), {{"le", "+Inf"}});
  sample(out, std::string(name) + "_sum", sum, {});
  sample(out, std::string(name) + "_count", static_cast<double>(count), {});
}

std::string Registry::text() const
{
  std::string out;
  for (const auto& f : m_families) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{3}", f.name, f.help, f.type, f.samples);
  }
  return out;
}

void Metrics::write(Registry& registry, const journal::CommitStats& commits) const
{
  auto n = [](const std::atomic<std::uint64_t>& v) { return static_cast<double>(v.load()); };
  registry.counter("acx_deliveries_received_total", "Deliveries received on the webhook path.", n(m_received));
  registry.counter("acx_deliveries_accepted_total", "Deliveries verified, valid, new, and journaled.", n(m_accepted));
  registry.counter("acx_deliveries_duplicate_total", "Deliveries whose eventId was already accepted.", n(m_duplicates));
  for (std::size_t i = 0; i < m_refused.size(); ++i) {
    registry.counter("acx_deliveries_refused_total", "Deliveries refused, by reason.", n(m_refused[i]),
                     {{"reason", std::string(refusal_name(static_cast<Refusal>(i)))}});
  }
  {
    const std::lock_guard lock(m_drift_mutex);
    for (const auto& [key, count] : m_drift) {
      registry.counter("acx_contract_drift_total",
                       "Deliveries that differ from their topic's schema (acx listen --contract), by topic and kind.",
                       static_cast<double>(count),
                       {{"topic", key.first}, {"kind", std::string(contract::kind_name(key.second))}});
    }
  }
  registry.histogram("acx_journal_commit_seconds",
                     "Time to commit one group of deliveries to the journal (fsync included).",
                     journal::commit_buckets(), commits.buckets, commits.commits, commits.seconds_total);
  registry.counter("acx_journal_records_committed_total", "Records committed to the journal.",
                   static_cast<double>(commits.records));
}

void Metrics::drifted(const std::string& topic, const contract::Drift& drift)
{
  if (drift.empty()) {
    return;
  }
  // A topic no schema describes is labelled "unknown": a sender cannot make the families grow without bound.
  const bool unknown =
      std::any_of(drift.begin(), drift.end(), [](const auto& d) { return d.kind == contract::Kind::topic; });
  const std::lock_guard lock(m_drift_mutex);
  for (const contract::Kind k : contract::kinds()) {
    if (std::any_of(drift.begin(), drift.end(), [k](const auto& d) { return d.kind == k; })) {
      ++m_drift[{unknown ? std::string("unknown") : topic, k}];
    }
  }
}

void consumer_metrics(const std::string& label, const forward::Stats& s, Registry& r)
{
  const Registry::Labels consumer{{"consumer", label}};
  r.counter("acx_forward_delivered_total", "Events a consumer took.", static_cast<double>(s.delivered), consumer);
  r.counter("acx_forward_filtered_total", "Events a consumer's filter did not take.", static_cast<double>(s.filtered),
            consumer);
  r.counter("acx_forward_retried_total", "Attempts that will be tried again.", static_cast<double>(s.retried),
            consumer);
  r.counter("acx_forward_dead_total", "Events given up on.", static_cast<double>(s.dead), consumer);
  r.gauge("acx_forward_lag_events", "Events read from the journal and not yet handed over.", static_cast<double>(s.lag),
          consumer);
  r.gauge("acx_forward_oldest_pending_seconds", "Age of the oldest event waiting for a consumer.",
          s.oldest_pending_seconds, consumer);
  r.gauge("acx_forward_stopped", "1 when a consumer answered 410 and forwarding to it stopped.", s.stopped ? 1 : 0,
          consumer);
  r.gauge("acx_forward_circuit_open", "1 while a consumer's circuit breaker holds its events (open or half-open).",
          s.circuit == "closed" ? 0 : 1, consumer);
  r.counter("acx_forward_circuit_opened_total", "Times a consumer's circuit breaker opened.",
            static_cast<double>(s.circuit_opened), consumer);
}

} // namespace acx::listen
