// What every journal does whatever engine keeps it: the names of statuses and marks, where a location points, how a
// missing record is told, reading a query page by page.
#include <algorithm>
#include <fmt/format.h>

#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

namespace acx::journal {

std::string_view status_name(Status s)
{
  switch (s) {
  case Status::accepted:
    return "accepted";
  case Status::duplicate:
    return "duplicate";
  case Status::refused:
    return "refused";
  }
  return "refused";
}

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

std::string_view fault_name(Fault f)
{
  switch (f) {
  case Fault::none:
    return "none";
  case Fault::unreachable:
    return "unreachable";
  case Fault::full:
    return "full";
  case Fault::read_only:
    return "read_only";
  case Fault::conflict:
    return "conflict";
  case Fault::corrupt:
    return "corrupt";
  case Fault::other:
    break;
  }
  return "other";
}

Fault fault_of(const std::exception& e)
{
  const auto* j = dynamic_cast<const JournalError*>(&e);
  return j ? j->fault() : Fault::other;
}

std::string shown(const std::string& location)
{
  return is_database(location) ? util::redact_url(location) : location;
}

std::string not_found(Reader& reader, const std::string& key)
{
  const auto extent = reader.extent();
  const auto below = extent.pruned_below;
  const auto& at = extent.pruned_at;
  const bool number = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos && key.size() < 19;
  if (number && below > 0 && std::stoll(key) < below) {
    return fmt::format("delivery #{} was pruned: retention removed every delivery before #{} (last at {})", key, below,
                       at);
  }
  const std::string missing =
      fmt::format("no delivery with sequence number or eventId '{}' in the journal", util::excerpt(key));
  if (below > 0 && !number) {
    return fmt::format("{} (retention removed every delivery before #{}: it may have been one of them)", missing,
                       below);
  }
  return missing;
}

void read_each(Reader& reader, Query q, const std::function<void(Record&)>& each)
{
  for (auto batch = reader.read(q); !batch.empty(); batch = reader.read(q)) {
    q.after_seq = batch.back().seq;
    for (auto& r : batch) {
      each(r);
    }
  }
}

std::vector<Record> read_all(Reader& reader, Query q, std::size_t last)
{
  std::vector<Record> out;
  if (last > 0) { // the newest first, from the end of the journal: never the whole of it
    q.newest_first = true;
    q.limit = last;
    out = reader.read(q);
    std::reverse(out.begin(), out.end());
    return out;
  }
  read_each(reader, q, [&](Record& r) { out.push_back(std::move(r)); });
  return out;
}

} // namespace acx::journal
