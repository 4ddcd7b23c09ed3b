// What every journal does whatever engine keeps it: the names of statuses and faults, where a location points, how a
// missing record is told, reading a query page by page.
#include <algorithm>
#include <fmt/format.h>

#include "acx/journal/journal.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
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

std::string change_id(std::string_view topic, std::string_view subject, std::string_view event_time)
{
  const auto at = util::parse_rfc3339_utc(event_time);
  const std::string time = at ? util::format_rfc3339(*at) : std::string(event_time);
  std::string h = util::hex_encode(util::sha256(fmt::format("acx change\n{}\n{}\n{}", topic, subject, time)));
  // A version 8 (custom) UUID with the variant bits of RFC 9562.
  h[12] = '8';
  h[16] = "89ab"[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3];
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4),
                     h.substr(20, 12));
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
