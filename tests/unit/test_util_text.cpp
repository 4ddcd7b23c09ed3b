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
