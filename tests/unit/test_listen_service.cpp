#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "acx/event/fixtures.hpp"
#include "acx/http/client.hpp"
#include "acx/journal/journal.hpp"
#include "acx/listen/service.hpp"
#include "acx/util/io.hpp"
#include "acx/util/url.hpp"

using namespace acx;

namespace {

// Shows nothing; its first delivered() fails, as a terminal that went away in a way the observer cannot report.
struct FailingObserver final : listen::Observer {
  std::vector<std::string> notices;
  bool delivered(const journal::Record&) override { throw std::runtime_error("the output broke"); }
  bool flush() override { return true; }
  void forwarded(const forward::Progress&) override {}
  void notice(const util::Notice& n) override { notices.push_back(n.text); }
};

// Waits for the ready file (host:port) and returns the port; 0 after 60 s.
int wait_for_port(const std::string& ready)
{
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(ready) && std::filesystem::file_size(ready) > 0) {
      const std::string text = util::read_input(ready, 100);
      return std::stoi(text.substr(text.rfind(':') + 1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10)); // polling for an event, not a wait for time
  }
  return 0;
}

} // namespace

TEST_CASE("acx::listen::run: a thread of the listener that fails stops it cleanly, run() throws what it failed with")
{
  const TempDir temp;
  listen::ListenOptions o;
  o.server.host = "127.0.0.1";
  o.server.port = 0;
  o.journal = temp.file("j.db");
  o.scheme.kind = signing::Kind::none;
  o.ready_file = temp.file("ready");
  FailingObserver observer;
  std::exception_ptr failed;
  // On a thread of its own: the runner's signal mask stays off the test runner's main thread.
  std::thread listening([&] {
    try {
      listen::run(o, observer);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  const int port = wait_for_port(o.ready_file);
  REQUIRE(port > 0);
  http::ClientOptions co;
  co.timeout = std::chrono::seconds(30);
  http::Client client(*util::parse_url("http://127.0.0.1:" + std::to_string(port)), co);
  const auto answer = client.post("/webhooks/acculynx", {}, std::string(*event::find_fixture("job_created")));
  CHECK(answer.status == 200); // stored and acknowledged before the printer, on its own thread, failed
  listening.join();            // the printer's failure stopped the listener: no signal, no timeout
  REQUIRE(failed);
  CHECK_THROWS_WITH(std::rethrow_exception(failed), "the output broke");
  CHECK(journal::Reader::open(o.journal)->read({}).size() == 1); // nothing acknowledged was lost
  REQUIRE_FALSE(observer.notices.empty());
  CHECK(observer.notices.front().starts_with("listening on http://127.0.0.1:"));
}
