#include <cstdio>
#include <doctest/doctest.h>

#include "acx/util/text.hpp"

using acx::util::closest;

TEST_CASE("acx::util::closest suggests what a typo meant, and nothing when nothing is near")
{
  const std::vector<std::string> commands{"listen", "events", "send", "replay", "sign", "verify", "secret"};
  CHECK(closest("lsiten", commands) == "listen"); // two neighbours swapped: one edit
  CHECK(closest("evnts", commands) == "events");
  CHECK(closest("sedn", commands) == "send");
  CHECK(closest("LISTEN", commands) == "listen");
  CHECK(closest("replya", commands) == "replay");
  CHECK_FALSE(closest("xyz", commands));
  CHECK_FALSE(closest("", commands));
  CHECK_FALSE(closest("status", commands)); // three edits or more from every command: too far for six letters
  CHECK(closest("--prot", {"--port", "--path", "--profile"}) == "--port");
  CHECK(closest("job_creted", {"job_created", "job_updated", "contact_added"}) == "job_created");
  CHECK_FALSE(closest(std::string(1000, 'a'), commands)); // a hostile argument costs nothing
}

TEST_CASE("acx::util::shell_quote: one word, nothing expanded, run by a real shell")
{
  for (const std::string s : {"plain", "", "it's", "'", "''", "a b", "$(touch /tmp/acx-pwned) `id` $HOME \\ \" ;|&",
                              "x='; touch PWNED; '", "line\nbreak", "*?[a]"}) {
    CAPTURE(s);
    const std::string command = "printf '%s' " + acx::util::shell_quote(s);
    FILE* p = ::popen(command.c_str(), "r");
    REQUIRE(p);
    std::string got;
    char buf[256];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) {
      got.append(buf, n);
    }
    CHECK(::pclose(p) == 0);
    CHECK(got == s);
  }
}

TEST_CASE("acx::util::printable: bidirectional controls are escaped")
{
  CHECK(acx::util::printable("a\xE2\x80\xAE"
                             "b") == "a\\u202eb");                               // RIGHT-TO-LEFT OVERRIDE
  CHECK(acx::util::printable("\xE2\x81\xA6x\xE2\x81\xA9") == "\\u2066x\\u2069"); // isolates
  CHECK(acx::util::printable("\xE2\x80\x8F\xD8\x9C") == "\\u200f\\u061c");
  CHECK(acx::util::printable("\xE2\x80\x94 caf\xC3\xA9") == "\xE2\x80\x94 caf\xC3\xA9"); // other text stays
}

TEST_CASE("acx::util::plural")
{
  CHECK(acx::util::plural(0, "check") == "0 checks");
  CHECK(acx::util::plural(1, "check") == "1 check");
  CHECK(acx::util::plural(2, "delivery", "deliveries") == "2 deliveries");
  CHECK(acx::util::plural(1, "delivery", "deliveries") == "1 delivery");
}
