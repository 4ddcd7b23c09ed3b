#include <doctest/doctest.h>

#include "acx/journal/trace.hpp"

using acx::journal::valid_traceparent;

TEST_CASE("journal::valid_traceparent: version 00, lower-case hex ids of the right length, not all zeros")
{
  CHECK(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  CHECK(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
                          "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                          "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
                          "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01"}) {
    INFO(bad);
    CHECK_FALSE(valid_traceparent(bad));
  }
}

TEST_CASE("journal::trace_of: the sender's trace when valid, else one derived from the delivery, stable")
{
  acx::journal::Record r;
  r.event_id = "6bf46c69-0000-4000-8000-000000000001";
  r.received = {1'800'000'000, 0};
  const auto own = acx::journal::trace_of(r);
  CHECK_FALSE(own.from_sender);
  CHECK(own.trace_id.size() == 32);
  CHECK(own.flags == "01");
  CHECK(acx::journal::trace_of(r).trace_id == own.trace_id); // the same every time
  r.received.seconds += 1;
  CHECK(acx::journal::trace_of(r).trace_id != own.trace_id); // another delivery of the same event: another trace
  r.headers.add("TraceParent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  const auto sent = acx::journal::trace_of(r);
  CHECK(sent.from_sender);
  CHECK(sent.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(sent.flags == "00");
  const auto hop = acx::journal::traceparent(sent);
  CHECK(valid_traceparent(hop));
  CHECK(hop.substr(0, 36) == "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  CHECK(hop.substr(36, 16) != "00f067aa0ba902b7");
}
