#include "acx/listen/printer.hpp"

#include "acx/event/topics.hpp"

namespace acx::listen {

Printer::Printer(const ListenOptions& o, const std::string& journal_path, const journal::Writer& writer,
                 Observer& observer, std::function<void(std::int64_t)> enough)
    : m_options(o), m_follower(journal_path, writer, writer.committed_seq()), m_observer(observer),
      m_enough(std::move(enough))
{
}

void Printer::start(util::Thread::Failed failed)
{
  m_thread = util::Thread(
      "acx-printer", [this](std::stop_token stop) { run(stop); }, std::move(failed));
}

void Printer::stop()
{
  m_thread.request_stop();
  m_thread.wait();
}

// Woken by each commit; once asked to stop, shows what is committed by then and ends.
void Printer::run(std::stop_token stop)
{
  while (!m_done) {
    auto batch = m_follower.next(k_batch, stop);
    if (batch.empty()) { // asked to stop
      while (!m_done && !(batch = m_follower.next(k_batch, std::chrono::milliseconds(0))).empty()) {
        show(batch);
      }
      return;
    }
    show(batch);
  }
}

void Printer::show(const std::vector<std::shared_ptr<const journal::Record>>& batch)
{
  for (const auto& r : batch) {
    if (r->status != journal::Status::accepted || !event::topic_wanted(m_options.topics, r->topic)) {
      continue;
    }
    if (!m_observer.delivered(*r)) {
      break_off(0);
      return;
    }
    if (m_options.count > 0 && ++m_shown >= m_options.count) {
      break_off(r->seq);
      return;
    }
  }
  if (!m_observer.flush()) {
    break_off(0);
  }
}

// Enough shown (--count: `last` is the last one), or the output is gone (0): the listener stops.
void Printer::break_off(std::int64_t last)
{
  m_done = true;
  m_observer.flush();
  m_enough(last);
}

} // namespace acx::listen
