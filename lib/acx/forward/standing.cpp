#include "acx/forward/standing.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "acx/event/topics.hpp"
#include "acx/forward/consumer.hpp"

namespace acx::forward {

namespace {

// The topic globs the outbox remembers for a consumer (a JSON array).
std::vector<std::string> globs_of(const journal::ConsumerInfo& info)
{
  std::vector<std::string> globs;
  const auto topics = nlohmann::json::parse(info.topics, nullptr, false);
  for (const auto& t : topics.is_array() ? topics : nlohmann::json::array()) {
    if (t.is_string()) {
      globs.push_back(t.get<std::string>());
    }
  }
  return globs;
}

} // namespace

std::vector<std::int64_t> standing(journal::Reader& reader, journal::Outbox& outbox, const journal::ConsumerInfo& info,
                                   journal::Handed state)
{
  std::set<std::int64_t> seqs;
  for (const auto s : outbox.marked(info.name, state)) {
    seqs.insert(s);
  }
  if (state == journal::Handed::pending) {
    for (const auto s : outbox.marked(info.name, journal::Handed::retry)) {
      seqs.insert(s);
    }
    const auto globs = globs_of(info);
    const auto done = outbox.done_after(info.name, info.watermark);
    journal::Query q;
    q.after_seq = info.watermark;
    q.duplicates = false;
    q.decode_headers = false;
    journal::read_each(reader, q, [&](const journal::Record& r) {
      if (event::topic_wanted(globs, r.topic) && !done.contains(r.seq)) {
        seqs.insert(r.seq);
      }
    });
  }
  return {seqs.begin(), seqs.end()};
}

} // namespace acx::forward
