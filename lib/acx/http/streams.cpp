#include "acx/http/streams.hpp"

#include <cstring>
#include <functional>
#include <microhttpd.h>
#include <string>

namespace acx::http::detail {

// A stream's connection asleep until its stream is woken, decided under one lock: a wake that comes while the stream
// is not asleep makes its next empty piece try again instead of sleeping.
struct Sleeper {
  std::mutex mutex;
  MHD_Connection* connection = nullptr;
  bool asleep = false;
  bool woken = false;
  bool ended = false; // the answer is over, or the server stops
};

// One answer's stream: the pieces as they are made, and its sleeper when it is wakeable.
struct Streams::Stream {
  std::function<bool(std::string&)> more;
  std::string buffer;
  std::size_t offset = 0;
  bool last = false;
  std::shared_ptr<Sleeper> sleeper;
  Streams* owner = nullptr;
};

namespace {

// Wakes a sleeping stream; remembers the wake of one that is awake; nothing once it ended.
void wake(Sleeper& s)
{
  std::lock_guard lock(s.mutex);
  if (s.ended) {
    return;
  }
  if (s.asleep) {
    s.asleep = false;
    MHD_resume_connection(s.connection);
  } else {
    s.woken = true;
  }
}

bool ended(Sleeper& s)
{
  std::lock_guard lock(s.mutex);
  return s.ended;
}

// Puts the stream's connection to sleep unless it was woken meanwhile or ended; false when it should try again.
bool fall_asleep(Sleeper& s, bool& is_ended)
{
  std::lock_guard lock(s.mutex);
  is_ended = s.ended;
  if (s.ended) {
    return true;
  }
  if (s.woken) {
    s.woken = false;
    return false;
  }
  MHD_suspend_connection(s.connection); // allowed from the content reader; the wake resumes it
  s.asleep = true;
  return true;
}

} // namespace

ssize_t Streams::read(void* cls, std::uint64_t, char* buf, std::size_t max)
{
  auto& s = *static_cast<Stream*>(cls);
  if (s.sleeper && ended(*s.sleeper)) {
    return MHD_CONTENT_READER_END_OF_STREAM; // the server stops: a stream that always has more ends too
  }
  try {
    while (s.offset == s.buffer.size()) {
      if (s.last) {
        return MHD_CONTENT_READER_END_OF_STREAM;
      }
      s.buffer.clear();
      s.offset = 0;
      s.last = !s.more(s.buffer);
      bool is_ended = false;
      if (s.buffer.empty() && !s.last && s.sleeper && fall_asleep(*s.sleeper, is_ended)) {
        return is_ended ? MHD_CONTENT_READER_END_OF_STREAM : 0;
      }
    }
  } catch (const std::exception&) {
    return MHD_CONTENT_READER_END_WITH_ERROR;
  }
  const std::size_t n = std::min(max, s.buffer.size() - s.offset);
  std::memcpy(buf, s.buffer.data() + s.offset, n);
  s.offset += n;
  return static_cast<ssize_t>(n);
}

void Streams::release(void* cls)
{
  auto* s = static_cast<Stream*>(cls);
  if (s->sleeper) {
    {
      std::lock_guard lock(s->sleeper->mutex);
      s->sleeper->ended = true;
    }
    std::lock_guard lock(s->owner->m_mutex);
    s->owner->m_sleepers.erase(s->sleeper);
  }
  delete s;
}

MHD_Response* Streams::respond(MHD_Connection* connection, Response& r)
{
  if (!r.stream) {
    return MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_PERSISTENT);
  }
  auto* s = new Stream{std::move(r.stream), {}, 0, false, nullptr, this};
  if (r.wakeable) {
    s->sleeper = std::make_shared<Sleeper>();
    s->sleeper->connection = connection;
    {
      std::lock_guard lock(m_mutex);
      m_sleepers.insert(s->sleeper);
    }
    r.wakeable([weak = std::weak_ptr<Sleeper>(s->sleeper)] {
      if (const auto sleeper = weak.lock()) {
        wake(*sleeper);
      }
    });
  }
  MHD_Response* mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64u << 10, read, s, release);
  if (mr == nullptr) {
    release(s);
  }
  return mr;
}

void Streams::end_all()
{
  std::set<std::shared_ptr<Sleeper>> all;
  {
    std::lock_guard lock(m_mutex);
    all = m_sleepers;
  }
  for (const auto& s : all) {
    std::lock_guard lock(s->mutex);
    s->ended = true;
    if (s->asleep) {
      s->asleep = false;
      MHD_resume_connection(s->connection);
    }
  }
}

} // namespace acx::http::detail
