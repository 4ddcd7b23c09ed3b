#include "acx/present/drift.hpp"

#include "acx/contract/drift.hpp"

namespace acx::present {

std::vector<TopicDrift> drift_summary(journal::Reader& reader, journal::Query query)
{
  query.drift = true;
  query.decode_headers = false;
  std::map<std::string, TopicDrift> by_topic;
  journal::read_each(reader, query, [&](journal::Record& r) {
    TopicDrift& t = by_topic[r.topic];
    t.topic = r.topic;
    t.first = t.deliveries == 0 ? r.received : t.first;
    t.last = r.received;
    ++t.deliveries;
    std::set<std::string> seen;
    for (const auto& d : contract::parse_drift(r.drift)) {
      PathDrift& p = t.paths[d.path];
      p.kinds.insert(std::string(contract::kind_name(d.kind)));
      if (seen.insert(d.path).second) {
        p.first = p.deliveries == 0 ? r.received : p.first;
        p.last = r.received;
        ++p.deliveries;
      }
    }
  });
  std::vector<TopicDrift> out;
  for (auto& [_, t] : by_topic) {
    out.push_back(std::move(t));
  }
  return out;
}

} // namespace acx::present
