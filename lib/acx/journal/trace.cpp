#include "acx/journal/trace.hpp"

#include <algorithm>

#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::journal {

namespace {

bool lower_hex(std::string_view s)
{
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view s)
{
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

} // namespace

bool valid_traceparent(std::string_view v)
{
  // 00-<32 hex>-<16 hex>-<2 hex>
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' || v.substr(0, 2) != "00") {
    return false;
  }
  const auto trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  return lower_hex(trace) && lower_hex(parent) && lower_hex(flags) && !all_zeros(trace) && !all_zeros(parent);
}

Trace trace_of(const Record& r)
{
  Trace t;
  if (const std::string* given = r.headers.find("traceparent")) {
    const std::string value(util::trim(*given));
    if (valid_traceparent(value)) {
      t.trace_id = value.substr(3, 32);
      t.flags = value.substr(53, 2);
      t.from_sender = true;
      if (const std::string* state = r.headers.find("tracestate")) {
        t.state = std::string(util::trim(*state));
      }
      return t;
    }
  }
  const auto digest = util::sha256("acx trace\n" + r.event_id + "\n" + util::format_rfc3339(r.received));
  t.trace_id = util::hex_encode(std::span(digest.data(), 16));
  t.flags = "01";
  return t;
}

std::string traceparent(const Trace& t)
{
  std::string span;
  do {
    const auto bytes = util::random_bytes(8);
    span = util::hex_encode(bytes);
  } while (all_zeros(span));
  return "00-" + t.trace_id + "-" + span + "-" + t.flags;
}

} // namespace acx::journal
