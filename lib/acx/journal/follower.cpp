#include "acx/journal/follower.hpp"

#include <thread>

#include "acx/util/error.hpp"

namespace acx::journal {

Follower::Follower(const std::string& path, const Writer& writer, std::int64_t after)
    : m_writer(writer), m_reader(Reader::open(path)), m_cursor(after), m_database(is_database(path))
{
}

std::vector<std::shared_ptr<const Record>> Follower::read(std::size_t limit)
{
  if (auto recent = m_writer.recent_after(m_cursor, limit)) {
    // The writer's memory may still hold what retention pruned meanwhile (this listener's, or acx events prune's
    // from another process): never served again.
    if (!recent->empty()) {
      const auto below = m_reader->pruned_below();
      std::erase_if(*recent, [below](const auto& r) { return r->seq < below; });
    }
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
  std::vector<std::shared_ptr<const Record>> batch;
  try {
    batch = read(limit);
    if (batch.empty()) {
      m_writer.wait_beyond(m_cursor, wait);
      batch = read(limit);
    }
  } catch (const Error&) {
    if (!m_database) {
      throw; // a journal file that cannot be read is the end
    }
    // A database out of reach (the writer's failures say so, and its deliveries are answered 503): nothing new
    // until it is back.
    std::this_thread::sleep_for(std::min(wait, std::chrono::milliseconds(200)));
    return {};
  }
  if (!batch.empty()) {
    m_cursor = batch.back()->seq;
  }
  return batch;
}

} // namespace acx::journal
