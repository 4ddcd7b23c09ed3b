#include "acx/journal/follower.hpp"

namespace acx::journal {

Follower::Follower(const std::string& path, const Writer& writer, std::int64_t after)
    : m_writer(writer), m_reader(Reader::open(path)), m_cursor(after)
{
}

std::vector<std::shared_ptr<const Record>> Follower::read(std::size_t limit)
{
  if (auto recent = m_writer.recent_after(m_cursor, limit)) {
    return std::move(*recent);
  }
  Query q;
  q.after_seq = m_cursor;
  q.limit = limit;
  std::vector<std::shared_ptr<const Record>> out;
  for (auto& r : m_reader->read(q)) {
    out.push_back(std::make_shared<const Record>(std::move(r)));
  }
  return out;
}

std::vector<std::shared_ptr<const Record>> Follower::next(std::size_t limit, std::chrono::milliseconds wait)
{
  auto batch = read(limit);
  if (batch.empty()) {
    m_writer.wait_beyond(m_cursor, wait);
    batch = read(limit);
  }
  if (!batch.empty()) {
    m_cursor = batch.back()->seq;
  }
  return batch;
}

} // namespace acx::journal
