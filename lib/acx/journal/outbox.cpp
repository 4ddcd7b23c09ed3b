// What every outbox does whatever engine keeps it: the names of the marks, a consumer by name, and the group commit of
// hand-overs.
#include "acx/journal/outbox.hpp"

#include "acx/journal/journal.hpp"

namespace acx::journal {

std::string_view handed_name(Handed h)
{
  switch (h) {
  case Handed::pending:
    return "pending";
  case Handed::delivered:
    return "delivered";
  case Handed::dead:
    return "dead";
  case Handed::retry:
    return "retry";
  }
  return "pending";
}

std::optional<Handed> parse_handed(std::string_view name)
{
  for (const Handed h : {Handed::pending, Handed::delivered, Handed::dead, Handed::retry}) {
    if (handed_name(h) == name) {
      return h;
    }
  }
  return std::nullopt;
}

HandOverCommits::HandOverCommits(Write write) : m_commits({std::chrono::microseconds(0), 1, 1u << 20})
{
  m_commits.start("acx-outbox", {[write = std::move(write)](std::vector<std::shared_ptr<Waiting>>& group) {
                    std::vector<const HandOver*> batch;
                    for (const auto& w : group) {
                      batch.push_back(w->h);
                    }
                    std::exception_ptr failed;
                    try {
                      write(batch);
                    } catch (...) {
                      failed = std::current_exception();
                    }
                    for (const auto& w : group) {
                      {
                        std::lock_guard lock(w->mutex);
                        w->done = true;
                        w->failed = failed;
                      }
                      w->cv.notify_all();
                    }
                  }});
}

void HandOverCommits::record(const HandOver& h)
{
  auto w = std::make_shared<Waiting>();
  w->h = &h;
  if (auto why = m_commits.enqueue(w)) {
    throw JournalError(Fault::other, "cannot record a hand-over: " + *why);
  }
  std::unique_lock lock(w->mutex);
  w->cv.wait(lock, [&] { return w->done; });
  if (w->failed) {
    std::rethrow_exception(w->failed);
  }
}

std::optional<ConsumerInfo> Outbox::consumer(const std::string& name)
{
  for (auto& c : consumers()) {
    if (c.name == name) {
      return c;
    }
  }
  return std::nullopt;
}

} // namespace acx::journal
