#include "acx/inspect/view.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

#include "acx/util/encoding.hpp"
#include "acx/util/time.hpp"

namespace acx::inspect {

namespace {

using journal::Record;
using journal::Status;

std::optional<util::Instant> time_of(const std::string& text)
{
  if (text.empty()) {
    return std::nullopt;
  }
  if (auto t = util::parse_rfc3339_utc(text)) {
    return t;
  }
  if (auto ago = util::parse_duration(text)) {
    auto now = util::now();
    now.seconds -= std::chrono::duration_cast<std::chrono::seconds>(*ago).count();
    return now;
  }
  return std::nullopt;
}

} // namespace

Filters Filters::of(const http::Request& r)
{
  auto get = [&](const char* k) {
    const auto it = r.query.find(k);
    return it == r.query.end() ? std::string() : it->second;
  };
  return {get("topic"), get("verdict"), get("subscription"), get("q"), get("since"), get("until")};
}

std::string Filters::query() const
{
  std::string out;
  for (const auto& [k, v] : {std::pair{"topic", &topic},
                             {"verdict", &verdict},
                             {"subscription", &subscription},
                             {"q", &text},
                             {"since", &since},
                             {"until", &until}}) {
    if (!v->empty()) {
      out += fmt::format("{}{}={}", out.empty() ? "" : "&", k, util::percent_encode(*v));
    }
  }
  return out;
}

journal::Query Filters::base(bool refused) const
{
  journal::Query q;
  q.refused = refused;
  q.topic = topic;
  q.subscription = subscription;
  q.text = text;
  q.since = time_of(since);
  q.until = time_of(until);
  q.decode_headers = false;
  if (verdict == "accepted") {
    q.status = Status::accepted;
  } else if (verdict == "duplicate") {
    q.status = Status::duplicate;
  } else if (verdict == "drift") {
    q.drift = true;
  }
  return q;
}

Cursor Cursor::parse(const std::string& text)
{
  Cursor c;
  std::sscanf(text.c_str(), "a%ld.r%ld", &c.a, &c.r);
  return c;
}

std::string Cursor::str() const
{
  return fmt::format("a{}.r{}", a, r);
}

journal::Reader& JournalView::open()
{
  if (!m_reader) {
    m_reader = journal::Reader::open(m_path);
  }
  return *m_reader;
}

std::vector<Record> JournalView::read_both(const Filters& f, const std::function<void(journal::Query&, bool)>& shape)
{
  std::lock_guard lock(m_mutex);
  auto& rd = open();
  std::vector<Record> out;
  for (const bool refused : {false, true}) {
    if (refused ? !f.wants_refused() : !f.wants_deliveries()) {
      continue;
    }
    journal::Query q = f.base(refused);
    shape(q, refused);
    for (auto& r : rd.read(q)) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<Record> JournalView::page(const Filters& f, Cursor before, std::size_t limit)
{
  auto out = read_both(f, [&](journal::Query& q, bool refused) {
    q.newest_first = true;
    q.limit = limit;
    if (const std::int64_t below = refused ? before.r : before.a; below > 0) {
      q.before_seq = below;
    }
  });
  std::sort(out.begin(), out.end(), [](const Record& x, const Record& y) {
    return x.received != y.received ? x.received > y.received : x.seq > y.seq;
  });
  if (out.size() > limit) {
    out.resize(limit);
  }
  return out;
}

std::vector<Record> JournalView::newer(const Filters& f, Cursor after)
{
  auto out = read_both(f, [&](journal::Query& q, bool refused) {
    q.after_seq = refused ? after.r : after.a;
    q.limit = 200;
  });
  std::sort(out.begin(), out.end(), [](const Record& x, const Record& y) { return x.received < y.received; });
  return out;
}

Cursor JournalView::head()
{
  std::lock_guard lock(m_mutex);
  auto& rd = open();
  Cursor c;
  c.a = rd.last_seq();
  journal::Query q;
  q.refused = true;
  q.newest_first = true;
  q.limit = 1;
  const auto last = rd.read(q);
  c.r = last.empty() ? 0 : last.front().seq;
  return c;
}

std::optional<Record> JournalView::find(const std::string& id)
{
  if (id.size() < 2 || (id[0] != 'a' && id[0] != 'r') || id.find_first_not_of("0123456789", 1) != std::string::npos ||
      id.size() > 19) {
    return std::nullopt;
  }
  std::lock_guard lock(m_mutex);
  auto& rd = open();
  const std::int64_t seq = std::stoll(id.substr(1));
  if (id[0] == 'r') {
    return rd.find_refused(seq);
  }
  auto r = rd.find(std::to_string(seq));
  if (r && r->seq != seq) {
    return std::nullopt;
  }
  return r;
}

std::string JournalView::not_found(const std::string& id)
{
  std::lock_guard lock(m_mutex);
  const bool delivery = id.size() > 1 && id[0] == 'a';
  return delivery ? journal::not_found(open(), id.substr(1)) : "no such delivery in the journal";
}

std::int64_t JournalView::original_of(const Record& r)
{
  if (r.status != Status::duplicate) {
    return 0;
  }
  std::lock_guard lock(m_mutex);
  const auto original = open().find(r.event_id);
  return original && original->status == Status::accepted ? original->seq : 0;
}

std::vector<Record> JournalView::next(const Filters& f, Walk& walk, std::size_t limit)
{
  while (!walk.done) {
    if (walk.refused ? f.wants_refused() : f.wants_deliveries()) {
      journal::Query q = f.base(walk.refused);
      q.decode_headers = true;
      q.limit = limit;
      q.after_seq = walk.after_seq;
      std::vector<Record> batch;
      {
        std::lock_guard lock(m_mutex);
        batch = open().read(q);
      }
      if (!batch.empty()) {
        walk.after_seq = batch.back().seq;
        return batch;
      }
    }
    walk.done = walk.refused;
    walk.refused = true;
    walk.after_seq = 0;
  }
  return {};
}

} // namespace acx::inspect
