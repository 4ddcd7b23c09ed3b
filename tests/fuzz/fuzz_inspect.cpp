// Fuzz target: the inspect page's request handling. The input is cut into a request (method, path, query, a Host,
// a Cookie and other headers, a form body) and handed to every route of a real Inspector over a small journal: the
// guard, the host and cookie parsing, filters, cursors, ids, the form, the token redirect. Nothing may crash, and no
// answer may be a 2xx without the token.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>

#include "acx/inspect/guard.hpp"
#include "acx/inspect/inspector.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace {

using namespace acx;

constexpr const char* k_token = "0123456789abcdef0123456789abcdef";

// A scratch directory, removed at exit.
struct Scratch {
  std::string dir = std::filesystem::temp_directory_path() / ("acx-fuzz-inspect-" + std::to_string(::getpid()));
  ~Scratch() { std::filesystem::remove_all(dir); }
};

// A journal with an accepted delivery, a duplicate and a refused one, made once.
std::string journal_path()
{
  static Scratch scratch;
  static const std::string path = [] {
    const std::string& dir = scratch.dir;
    std::filesystem::create_directories(dir);
    const std::string p = dir + "/journal.db";
    auto w = journal::Writer::open(p);
    journal::Record r;
    r.received = util::now();
    r.remote = "127.0.0.1:1";
    r.headers = {{"Content-Type", "application/json; x='"}, {"X-Odd", "\xff<script>"}};
    r.body = R"({"topicName":"job_created","eventId":"a653de1a-84a6-488c-90bc-f6c8e990bf51","event":{"k":"<b>"}})";
    r.topic = "job_created";
    r.event_id = "a653de1a-84a6-488c-90bc-f6c8e990bf51";
    r.subscription_id = "f30009c1-b6e3-432a-9a0e-6932c9fabdd8";
    r.event_time = "2026-05-26T14:23:55.4999782Z";
    w->append(r);
    w->append(r); // a duplicate
    journal::Record bad = r;
    bad.status = journal::Status::refused;
    bad.reason = "invalid";
    bad.detail = "not JSON";
    bad.body = "{\"a\":";
    w->append(bad);
    w->close();
    return p;
  }();
  return path;
}

// The next piece of the input, up to a NUL byte.
std::string_view take(std::string_view& in)
{
  const auto nul = in.find('\0');
  const auto piece = in.substr(0, nul);
  in = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
  return piece;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static inspect::Inspector inspector(journal_path(), inspect::Guard(k_token, "127.0.0.1"));
  static const std::vector<http::Route> routes = inspector.routes();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.empty()) {
    return 0;
  }
  const unsigned char flags = static_cast<unsigned char>(in.front());
  in.remove_prefix(1);
  http::Request r;
  const auto& route = routes[flags % routes.size()];
  r.method = flags & 0x80 ? std::string(take(in)) : route.method;
  r.path = std::string(take(in));
  r.target = std::string(take(in));
  r.headers.add("Host", std::string(take(in)));
  r.headers.add("Cookie", std::string(take(in)));
  r.headers.add(std::string(take(in)), std::string(take(in)));
  if (flags & 0x40) {
    r.headers.add("Origin", "http://" + std::string(*r.headers.find("Host")));
  }
  for (const auto pair : util::split(take(in), '&')) {
    const auto eq = pair.find('=');
    r.query.emplace(std::string(pair.substr(0, eq)),
                    eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
  }
  const bool with_token = flags & 0x20;
  if (with_token) {
    r.query["token"] = k_token;
  }
  r.params.emplace_back(take(in));
  r.body = std::string(in);
  http::Response answer;
  bool answered = false;
  if (route.method == "POST") {
    // Replay sends a request to the URL in the form: only its guard is tried here, so that no input ever reaches
    // for an address beyond this machine.
    static const inspect::Guard guard(k_token, "127.0.0.1");
    if (auto refusal = guard.check(r, true)) {
      answer = std::move(*refusal);
      answered = true;
    }
  } else if (route.handler) {
    answer = route.handler(r);
    answered = true;
  } else {
    route.async(r, [&](http::Response res) {
      answer = std::move(res);
      answered = true;
    });
    inspector.stop(); // a waiting live request is answered now, not after 15 s
  }
  if (answered && answer.status >= 200 && answer.status < 300 && !with_token &&
      r.headers.find("Cookie")->find(k_token) == std::string::npos) {
    __builtin_trap(); // a page without the token
  }
  if (answered && answer.stream) {
    std::string out;
    for (int i = 0; i < 100 && answer.stream(out); ++i) {
    }
  }
  return 0;
}
