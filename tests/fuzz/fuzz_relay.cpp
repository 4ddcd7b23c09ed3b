// Fuzz target: what a laptop reads from a relay (acx listen --upstream). The input is a stream of server-sent events,
// fed to relay::EventReader in pieces whose sizes come from its first byte; every event's data is parsed as each kind
// the puller reads. Whatever the bytes: no crash; the reader never holds more than its event limit, an event over it
// comes with no data; the pieces' sizes change nothing (the same events as the stream fed whole); and a delivery that
// parses carries a body that round-trips through the relay's own writer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "acx/relay/wire.hpp"
#include "acx/util/error.hpp"

namespace {

constexpr std::size_t k_max_event = 4096;

bool same(const acx::relay::Event& a, const acx::relay::Event& b)
{
  return a.type == b.type && a.id == b.id && a.data == b.data && (a.dropped > 0) == (b.dropped > 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  if (size == 0) {
    return 0;
  }
  const std::size_t piece = 1 + data[0] % 64;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  acx::relay::EventReader reader(k_max_event);
  acx::relay::EventReader whole(k_max_event);
  const auto expected = whole.feed(text);
  std::size_t seen = 0;
  try {
    for (std::size_t at = 0; at < text.size(); at += piece) {
      const auto events = reader.feed(text.substr(at, piece));
      if (reader.buffered() > k_max_event) {
        __builtin_trap();
      }
      for (const auto& e : events) {
        if (seen >= expected.size() || !same(e, expected[seen++]) || e.data.size() > k_max_event ||
            (e.dropped > 0 && !e.data.empty())) {
          __builtin_trap();
        }
        std::string why;
        if (const auto d = acx::relay::parse_delivery(e.data, why)) {
          acx::journal::Record r;
          r.seq = d->seq;
          r.received = d->received;
          r.event_id = d->event_id;
          r.topic = d->topic;
          r.headers = d->headers;
          r.body = d->body;
          acx::relay::EventReader again(1u << 24);
          const auto back = again.feed(acx::relay::delivery_event(r, d->path));
          std::string why_again;
          const auto d2 = back.size() == 1 ? acx::relay::parse_delivery(back[0].data, why_again) : std::nullopt;
          if (!d2 || d2->body != d->body || d2->seq != d->seq) {
            __builtin_trap();
          }
        } else if (why.empty()) {
          __builtin_trap(); // a refusal always says why
        }
        acx::relay::parse_gap(e.data, why);
        acx::relay::parse_hello(e.data, why);
        acx::relay::parse_live(e.data, why);
      }
    }
  } catch (const acx::Error&) {
    __builtin_trap(); // the reader drops what is too large; it never throws
  }
  if (seen != expected.size()) {
    __builtin_trap();
  }
  return 0;
}
