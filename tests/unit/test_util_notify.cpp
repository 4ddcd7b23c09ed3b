#include <doctest/doctest.h>

#include "acx/util/notify.hpp"
#include "notify_sink.hpp"
#include "temp_dir.hpp"
#include <vector>

using namespace acx;

TEST_CASE("acx::util::notify_service_manager: one datagram to $NOTIFY_SOCKET, a path or an abstract name")
{
  const TempDir temp;
  {
    NotifySink sink(temp.file("notify"));
    util::notify_service_manager("READY=1");
    CHECK(sink.next() == "READY=1");
  }
  {
    NotifySink sink("@acx-unit-notify-" + std::to_string(::getpid()));
    util::notify_service_manager("STOPPING=1");
    CHECK(sink.next() == "STOPPING=1");
  }
}

TEST_CASE("acx::util::notify_service_manager: without a service manager, or with a bad or gone one, does nothing")
{
  const TempDir temp;
  NotifySink sink(temp.file("notify"));
  for (const std::string& bad :
       std::vector<std::string>{"", "relative/path", temp.file("nobody-listens"), "/" + std::string(200, 'x')}) {
    ::setenv("NOTIFY_SOCKET", bad.c_str(), 1);
    util::notify_service_manager("bad"); // returns, throws nothing, kills nothing (no SIGPIPE)
  }
  ::unsetenv("NOTIFY_SOCKET");
  util::notify_service_manager("unset");
  ::setenv("NOTIFY_SOCKET", temp.file("notify").c_str(), 1);
  util::notify_service_manager("READY=1");
  CHECK(sink.next() == "READY=1"); // the first datagram the sink got: none of the others went anywhere near it
}
