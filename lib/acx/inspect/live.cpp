#include "acx/inspect/live.hpp"

#include <optional>
#include <pthread.h>

namespace acx::inspect {

http::Response event_stream(std::string body)
{
  http::Response res{200, "text/event-stream", std::move(body)};
  res.headers.add("Cache-Control", "no-store");
  return res;
}

LiveRows::LiveRows(std::chrono::milliseconds interval, std::chrono::milliseconds longest, std::size_t most_waiting)
    : m_interval(interval), m_longest(longest), m_most(most_waiting)
{
  m_thread = util::Thread("acx-live", [this](std::stop_token stop) { loop(stop); });
}

LiveRows::~LiveRows()
{
  stop();
  m_thread.join();
}

void LiveRows::wait(const http::Request& request, Poll poll, std::string idle, http::Reply reply)
{
  {
    std::unique_lock lock(m_mutex);
    if (m_stopping) {
      lock.unlock();
      reply(event_stream(std::move(idle)));
      return;
    }
    if (m_count >= m_most) {
      lock.unlock();
      http::Response busy{503, "text/plain; charset=utf-8", "too many live requests at once\n"};
      busy.headers.add("Retry-After", "2");
      reply(std::move(busy));
      return;
    }
  }
  if (auto news = poll()) {
    reply(event_stream(std::move(*news)));
    return;
  }
  bool first = false;
  {
    std::lock_guard lock(m_mutex);
    first = m_waiters.empty();
    m_nudged = m_nudged || first; // the thread, waiting for news alone, learns of this one's `longest`
    m_waiters.push_back({std::move(poll), std::move(idle), std::move(reply), request.client_gone,
                         std::chrono::steady_clock::now() + m_longest});
    ++m_count;
  }
  if (first) {
    m_cv.notify_all();
  }
}

void LiveRows::stop()
{
  std::list<Waiter> all;
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true; // new requests get their idle answer at once
    all.swap(m_waiters);
    m_count -= all.size();
  }
  m_thread.request_stop();
  for (auto& w : all) {
    w.reply(event_stream(std::move(w.idle)));
  }
}

void LiveRows::nudge()
{
  {
    std::lock_guard lock(m_mutex);
    m_nudged = true;
    m_pushed = true;
  }
  m_cv.notify_all();
}

std::size_t LiveRows::waiting() const
{
  std::lock_guard lock(m_mutex);
  return m_count;
}

void LiveRows::loop(std::stop_token stop)
{
  std::unique_lock lock(m_mutex);
  while (!stop.stop_requested()) {
    const auto woken = [this] { return m_nudged; };
    if (!m_pushed) {
      m_cv.wait_for(lock, stop, m_interval, woken);
    } else { // until news, or the first waiting request's `longest`
      std::optional<std::chrono::steady_clock::time_point> until;
      for (const auto& w : m_waiters) {
        until = until ? std::min(*until, w.until) : w.until;
      }
      if (until) {
        m_cv.wait_until(lock, stop, *until, woken);
      } else {
        m_cv.wait(lock, stop, woken);
      }
    }
    m_nudged = false;
    std::list<Waiter> mine;
    mine.swap(m_waiters); // looked at without the lock: new ones may join meanwhile
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    for (auto it = mine.begin(); it != mine.end();) {
      std::optional<std::string> answer;
      if ((it->gone && it->gone()) || now >= it->until) {
        answer = std::move(it->idle);
      } else {
        try {
          answer = it->poll();
        } catch (const std::exception&) {
          answer = std::move(it->idle); // the journal could not be read: the browser asks again
        }
      }
      if (answer) {
        {
          std::lock_guard counting(m_mutex);
          --m_count;
        }
        it->reply(event_stream(std::move(*answer)));
        it = mine.erase(it);
      } else {
        ++it;
      }
    }
    lock.lock();
    m_waiters.splice(m_waiters.begin(), mine);
  }
  // Stopped while some were being looked at: they are answered too.
  std::list<Waiter> left;
  left.swap(m_waiters);
  m_count -= left.size();
  lock.unlock();
  for (auto& w : left) {
    w.reply(event_stream(std::move(w.idle)));
  }
}

} // namespace acx::inspect
