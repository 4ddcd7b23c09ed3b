#pragma once

// jq programs on events (libjq, only in jq.cpp): a route's filter and transform. They run in a worker process of
// their own (acx itself started as `acx-jq-worker`), so a program that loops or explodes is killed after its time
// and never stalls the thread that asked, nor the listener.

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>

#include "acx/util/coprocess.hpp"

namespace acx::jq {

// jq's compile errors for `program`, in its words; nullopt when it compiles.
std::optional<std::string> compile_error(const std::string& program);

// A route's programs; either may be empty (no filter: every event passes; no transform: the body is forwarded as it
// is).
struct Programs {
  std::string filter;
  std::string transform;
  bool empty() const { return filter.empty() && transform.empty(); }
  bool operator==(const Programs&) const = default;
};

// What a run may take: its time, and the size of a transform's output.
struct Limits {
  std::chrono::milliseconds time{2'000};
  std::size_t output = 16 * 1024 * 1024;
};

struct Outcome {
  enum class Verdict { pass, skip, fail, abandoned };
  Verdict verdict = Verdict::fail;
  std::string body; // pass: what to forward (the transform's output as compact JSON, else the body as it came)
  std::string why;  // skip: what the filter yielded instead of true; fail: what went wrong
};

// Runs a route's programs on event bodies, one at a time, in a worker process started on first use (and again after
// one was killed). Not thread-safe: one per thread.
class Runner {
public:
  enum class Steps { both, filter, transform };
  explicit Runner(Programs programs, Limits limits = {});
  // The filter on `body` (true: it passes), then the transform; or only one of them. A run past the time limit, an
  // output over its limit, a jq error, a transform with no output or several: fail, saying which. Throws acx::Error
  // (io) when the worker cannot be started.
  Outcome run(const std::string& body, std::stop_token stop = {}, Steps steps = Steps::both);
  const Programs& programs() const { return m_programs; }

private:
  Programs m_programs;
  Limits m_limits;
  util::Coprocess m_worker;
};

// The worker's main: when argv[0] is "acx-jq-worker", serves runs on stdin and stdout until its input ends and
// returns the exit code; otherwise nullopt (acx's main goes on).
std::optional<int> serve_if_worker(int argc, char** argv);

} // namespace acx::jq
