#include "acx/journal/follower.hpp"

#include <thread>

#include "acx/util/error.hpp"

namespace acx::journal {

Follower::Follower(const std::string& path, const Writer& writer, std::int64_t after)
    : m_writer(writer), m_reader(Reader::open(path)), m_cursor(after), m_database(is_database(path))
{
  m_subscribed = writer.on_commit([this] {
    {
      std::lock_guard lock(m_news_mutex);
      ++m_news;
    }
    m_news_cv.notify_all();
  });
}

std::vector<std::shared_ptr<const Record>> Follower::next(std::size_t limit, std::stop_token stop, Deadline until)
{
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(m_news_mutex);
      seen = m_news;
    }
    auto batch = next(limit, std::chrono::milliseconds(0)); // news after `seen` wakes the wait below
    if (!batch.empty() || stop.stop_requested()) {
      return batch;
    }
    std::unique_lock lock(m_news_mutex);
    const auto news = [&] { return m_news != seen; };
    if (!(until ? m_news_cv.wait_until(lock, stop, *until, news) : m_news_cv.wait(lock, stop, news))) {
      return {};
    }
  }
}

std::optional<Committed> read_committed(const Writer& writer, Reader& reader, std::int64_t after, std::size_t limit,
                                        std::size_t max_bytes, bool file)
{
  Committed out;
  if (auto recent = writer.recent_after(after, limit)) {
    // The writer's memory may still hold what retention pruned meanwhile (this listener's, or acx events prune's
    // from another process): never served again.
    if (!recent->empty()) {
      out.pruned_below = reader.pruned_below();
      std::erase_if(*recent, [below = out.pruned_below](const auto& r) { return r->seq < below; });
    }
    out.records = std::move(*recent);
    return out;
  }
  if (!file) {
    return std::nullopt;
  }
  Query q;
  q.after_seq = after;
  q.limit = limit;
  q.max_bytes = max_bytes;
  for (auto& r : reader.read(q)) {
    out.records.push_back(std::make_shared<const Record>(std::move(r)));
  }
  out.from_file = true;
  return out;
}

std::vector<std::shared_ptr<const Record>> Follower::read(std::size_t limit)
{
  return std::move(read_committed(m_writer, *m_reader, m_cursor, limit, 0, true)->records);
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
  } catch (const Error& e) {
    // A journal file that cannot be read is the end, and so is a corrupt database; any other fault of a database
    // (out of reach, a conflict, a statement timeout) passes.
    if (!m_database || fault_of(e) == Fault::corrupt) {
      throw;
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
