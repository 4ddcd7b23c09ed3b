// Fuzz target: what a laptop reads from a relay (acx listen --upstream). The input is a stream of server-sent events,
// fed to relay::EventReader in pieces whose sizes come from its first byte; every event's data is parsed as each kind
// the puller reads. Whatever the bytes: no crash, a bounded buffer (an over-long line is an acx::Error), and a delivery
// that parses carries a body that round-trips through the relay's own writer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "acx/relay/wire.hpp"
#include "acx/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  if (size == 0) {
    return 0;
  }
  const std::size_t piece = 1 + data[0] % 64;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  acx::relay::EventReader reader(4096);
  try {
    for (std::size_t at = 0; at < text.size(); at += piece) {
      for (const auto& e : reader.feed(text.substr(at, piece))) {
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
    // an over-long line: refused, as the puller refuses it
  }
  return 0;
}
