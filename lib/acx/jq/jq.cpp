#include "acx/jq/jq.hpp"

#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
extern "C" { // libjq's headers declare C functions without saying so
#include <jq.h>
#include <jv.h>
}

#include "acx/util/text.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ACX_JQ_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ACX_JQ_SANITIZED 1
#endif
#endif

namespace acx::jq {

namespace {

constexpr const char* k_worker = "acx-jq-worker";
// A worker's address space, outside the sanitizers' builds (whose shadow memory is terabytes of it): a program
// that explodes fails its run instead of the machine.
constexpr rlim_t k_worker_memory = 2ULL << 30;

// A libjq state with one program compiled; errors collected as jq words them.
class State {
public:
  explicit State(const std::string& program) : m_jq(jq_init())
  {
    if (m_jq == nullptr) {
      m_errors.push_back("out of memory");
      return;
    }
    jq_set_error_cb(m_jq, &State::collect, this);
    if (!jq_compile(m_jq, program.c_str()) && m_errors.empty()) {
      m_errors.push_back("does not compile");
    }
  }
  ~State() { jq_teardown(&m_jq); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  bool ok() const { return m_jq != nullptr && m_errors.empty(); }
  std::string errors() const
  {
    std::string out;
    for (const auto& e : m_errors) {
      out += (out.empty() ? "" : "; ") + e;
    }
    return out;
  }
  jq_state* get() { return m_jq; }

private:
  static void collect(void* self, jv message)
  {
    auto* s = static_cast<State*>(self);
    if (jv_get_kind(message) == JV_KIND_STRING) {
      std::string text = jv_string_value(message);
      if (!text.starts_with("jq: ") || text.find("compile error") == std::string::npos) {
        s->m_errors.push_back(text.starts_with("jq: error: ") ? text.substr(11) : text);
      }
    }
    jv_free(message);
  }
  jq_state* m_jq;
  std::vector<std::string> m_errors;
};

// A value as compact JSON text (jq -c), consumed.
std::string dump(jv value)
{
  jv text = jv_dump_string(value, 0);
  std::string out(jv_string_value(text), static_cast<std::size_t>(jv_string_length_bytes(jv_copy(text))));
  jv_free(text);
  return out;
}

// An error's message: jq's text, or the value given to error() as JSON.
std::string message_of(jv invalid)
{
  jv msg = jv_invalid_get_msg(invalid);
  if (jv_get_kind(msg) == JV_KIND_STRING) {
    std::string out = jv_string_value(msg);
    jv_free(msg);
    return out;
  }
  return dump(msg) + " (not a string)";
}

// The next output of a started program: a value, nullopt at its end, or an error (message in `error`).
std::optional<jv> next(jq_state* jq, std::string& error)
{
  jv out = jq_next(jq);
  if (jv_is_valid(out)) {
    return out;
  }
  if (jv_invalid_has_msg(jv_copy(out))) {
    error = message_of(out);
  } else {
    jv_free(out);
    if (jq_halted(jq)) {
      error = "it halted";
    }
  }
  return std::nullopt;
}

// One run in the worker: 'p' and the transformed body (nothing: the body as it came), 's' and what the filter yielded,
// or 'f' and what went wrong.
std::string run_in_worker(State* filter, State* transform, const std::string& body, std::size_t max_output)
{
  jv input = jv_parse_sized(body.data(), static_cast<int>(body.size()));
  if (!jv_is_valid(input)) {
    return "fthe event is not JSON: " + message_of(input);
  }
  std::string error;
  if (filter != nullptr) {
    jq_start(filter->get(), jv_copy(input), 0);
    auto first = next(filter->get(), error);
    if (!error.empty()) {
      jv_free(input);
      return "fthe filter failed: " + error;
    }
    const bool yes = first && jv_get_kind(*first) == JV_KIND_TRUE;
    if (!yes) {
      jv_free(input);
      return "s" + (first ? util::excerpt(dump(*first), 80) : std::string("no output"));
    }
    jv_free(*first);
  }
  if (transform == nullptr) {
    jv_free(input);
    return "p";
  }
  jq_start(transform->get(), input, 0);
  auto out = next(transform->get(), error);
  if (!out) {
    return "fthe transform " +
           (error.empty() ? std::string("gave no output: a body is one value") : "failed: " + error);
  }
  if (jv_get_kind(*out) == JV_KIND_STRING &&
      static_cast<std::size_t>(jv_string_length_bytes(jv_copy(*out))) > max_output) {
    jv_free(*out);
    return fmt::format("fthe transform's output is over {}", util::format_size(max_output));
  }
  std::string text = dump(*out);
  if (auto more = next(transform->get(), error)) {
    jv_free(*more);
    return "fthe transform gave more than one output: a body is one value";
  }
  if (!error.empty()) {
    return "fthe transform failed: " + error;
  }
  if (text.size() > max_output) {
    return fmt::format("fthe transform's output ({}) is over {}", util::format_size(text.size()),
                       util::format_size(max_output));
  }
  return "p" + text;
}

} // namespace

std::optional<std::string> compile_error(const std::string& program)
{
  State s(program);
  return s.ok() ? std::nullopt : std::optional(s.errors());
}

Runner::Runner(Programs programs, Limits limits)
    : m_programs(std::move(programs)), m_limits(limits),
      m_worker(util::Launch{"/proc/self/exe", {k_worker}, {}},
               nlohmann::json{
                   {"filter", m_programs.filter}, {"transform", m_programs.transform}, {"output", m_limits.output}}
                   .dump(),
               m_limits.output + 1)
{
}

Outcome Runner::run(const std::string& body, std::stop_token stop, Steps steps)
{
  using Ended = util::Coprocess::Answer::Ended;
  Outcome out;
  const bool filter = !m_programs.filter.empty() && steps != Steps::transform;
  const bool transform = !m_programs.transform.empty() && steps != Steps::filter;
  if (!filter && !transform) {
    out.verdict = Outcome::Verdict::pass;
    out.body = body;
    return out;
  }
  std::string request(1, filter && transform ? 'b' : filter ? 'f' : 't');
  request += body;
  auto answer = m_worker.ask(request, m_limits.time, stop);
  switch (answer.ended) {
  case Ended::abandoned:
    out.verdict = Outcome::Verdict::abandoned;
    return out;
  case Ended::timed_out:
    out.why = fmt::format("the jq program ran past {} ms: stopped", m_limits.time.count());
    return out;
  case Ended::died:
    out.why = fmt::format("the jq worker {} (memory over its limit?)", answer.why);
    return out;
  case Ended::answered:
    break;
  }
  const char kind = answer.message.empty() ? 'f' : answer.message.front();
  std::string rest = answer.message.empty() ? "an empty answer" : answer.message.substr(1);
  if (kind == 'p') {
    out.verdict = Outcome::Verdict::pass;
    out.body = rest.empty() ? body : std::move(rest);
  } else {
    out.verdict = kind == 's' ? Outcome::Verdict::skip : Outcome::Verdict::fail;
    out.why = std::move(rest);
  }
  return out;
}

std::optional<int> serve_if_worker(int argc, char** argv)
{
  if (argc < 1 || std::strcmp(argv[0], k_worker) != 0) {
    return std::nullopt;
  }
#ifndef ACX_JQ_SANITIZED
  const rlimit memory{k_worker_memory, k_worker_memory};
  ::setrlimit(RLIMIT_AS, &memory);
#endif
  const auto greeting = util::read_frame(STDIN_FILENO, 1 << 24);
  if (!greeting) {
    return 0;
  }
  const auto setup = nlohmann::json::parse(*greeting, nullptr, false);
  if (!setup.is_object()) {
    return 2;
  }
  const auto filter_text = setup.value("filter", std::string());
  const auto transform_text = setup.value("transform", std::string());
  const auto max_output = setup.value("output", std::size_t{16 << 20});
  std::unique_ptr<State> filter = filter_text.empty() ? nullptr : std::make_unique<State>(filter_text);
  std::unique_ptr<State> transform = transform_text.empty() ? nullptr : std::make_unique<State>(transform_text);
  if (!util::write_frame(STDOUT_FILENO, "ready")) {
    return 0;
  }
  for (;;) {
    auto request = util::read_frame(STDIN_FILENO, 1U << 31);
    if (!request || request->empty()) {
      return 0;
    }
    const char steps = request->front();
    const std::string body = request->substr(1);
    request.reset();
    std::string reply;
    if ((filter && !filter->ok()) || (transform && !transform->ok())) {
      reply = "fthe program does not compile: " + (filter && !filter->ok() ? filter->errors() : transform->errors());
    } else {
      reply = run_in_worker(steps == 't' ? nullptr : filter.get(), steps == 'f' ? nullptr : transform.get(), body,
                            max_output);
    }
    if (!util::write_frame(STDOUT_FILENO, reply)) {
      return 0;
    }
  }
}

} // namespace acx::jq
