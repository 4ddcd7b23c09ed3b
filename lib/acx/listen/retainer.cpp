#include "acx/listen/retainer.hpp"

#include <fmt/format.h>
#include <vector>

#include "acx/journal/prune.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::listen {

std::string Keep::describe() const
{
  std::vector<std::string> parts;
  if (age) {
    parts.push_back(age_given.empty() ? util::format_duration(*age) : age_given);
  }
  if (bytes > 0) {
    parts.push_back(bytes_given.empty() ? fmt::format("{:.1f} GB", static_cast<double>(bytes) / 1e9) : bytes_given);
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

Retainer::Retainer(std::string journal_path, Keep keep, util::Notify notify, std::chrono::milliseconds every)
    : m_path(std::move(journal_path)), m_keep(keep), m_notify(std::move(notify)),
      m_periodic("acx-retain", every, [this](std::stop_token) { prune_once(); })
{
}

void Retainer::prune_once()
{
  using Level = util::Notice::Level;
  try {
    journal::Retention r;
    if (m_keep.age) {
      r.since = util::now();
      r.since->seconds -= m_keep.age->count();
    }
    if (m_keep.bytes > 0) {
      r.max_bytes = m_keep.bytes;
    }
    const auto p = journal::Pruner::open(m_path)->prune(r, false, m_keep.describe());
    if (p.deliveries > 0 || p.refused > 0) {
      m_notify({Level::info,
                fmt::format("retention ({}): pruned {} and {} refused, journal {:.1f} MB -> "
                            "{:.1f} MB",
                            m_keep.describe(), util::plural(p.deliveries, "delivery", "deliveries"), p.refused,
                            static_cast<double>(p.bytes_before) / 1e6, static_cast<double>(p.bytes_after) / 1e6)});
    }
    if (p.kept_back > 0) {
      m_notify({Level::warning, fmt::format("retention kept {} back: consumer {} has not handed {} over",
                                            util::plural(p.kept_back, "delivery", "deliveries"),
                                            util::printable(p.kept_for), p.kept_back == 1 ? "it" : "them")});
    }
  } catch (const std::exception& e) {
    m_notify(
        {Level::warning, fmt::format("retention could not prune the journal (tried again in a minute): {}", e.what())});
  }
}

} // namespace acx::listen
