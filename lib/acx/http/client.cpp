#include "acx/http/client.hpp"

#include <httplib.h>

#include <atomic>
#include <fmt/format.h>

#include "acx/http/tcp_info.hpp"
#include "acx/http/watchdog.hpp"
#include "acx/util/text.hpp"

namespace acx::http {

namespace {

using Clock = std::chrono::steady_clock;

// The largest answer head taken. cpp-httplib reads header lines without counting them, so the head is bounded here:
// by the bytes the socket has received before the head is complete (the kernel's count), with the socket's receive
// buffer kept small so that what the kernel holds beyond what was read stays small too.
constexpr std::uint64_t k_max_head = 1u << 20;
constexpr int k_receive_buffer = 256 << 10;
// How early a timer may fire (poll's rounding): an exchange ended this close to its deadline ended at it.
constexpr auto k_timer_slack = std::chrono::milliseconds(20);

Failure failure_of(httplib::Error e)
{
  switch (e) {
  case httplib::Error::Connection:
  case httplib::Error::ConnectionTimeout:
  case httplib::Error::BindIPAddress:
    return Failure::connect;
  case httplib::Error::SSLConnection:
  case httplib::Error::SSLLoadingCerts:
    return Failure::tls;
  case httplib::Error::SSLServerVerification:
    return Failure::tls_untrusted;
  case httplib::Error::Write:
    return Failure::send;
  default:
    return Failure::receive;
  }
}

std::string describe(Failure f, std::chrono::milliseconds timeout)
{
  switch (f) {
  case Failure::none:
    return {};
  case Failure::connect:
    return "cannot connect (connection refused or host unreachable)";
  case Failure::tls:
    return "TLS handshake failed";
  case Failure::tls_untrusted:
    return "the server's TLS certificate is not trusted (self-signed, expired, or not for this host)";
  case Failure::send:
    return "the connection broke while sending";
  case Failure::receive:
    return "no complete answer (the connection closed, or the answer was not HTTP)";
  case Failure::timeout:
    return fmt::format("no complete answer within {} ms", timeout.count());
  case Failure::too_large:
    return fmt::format("the answer's head is larger than {} bytes", k_max_head);
  case Failure::bad_request:
    return "not sent";
  case Failure::aborted:
    return "abandoned: acx is stopping";
  }
  return {};
}

} // namespace

struct Client::Impl {
  httplib::Client client;
  ClientOptions options;
  std::atomic<int> socket{-1}; // the connection's socket, once made
  Impl(const util::Url& origin, ClientOptions o)
      : client(o.client_cert.empty() ? httplib::Client(origin.origin())
                                     : httplib::Client(origin.origin(), o.client_cert, o.client_key)),
        options(std::move(o))
  {
    if (!options.ca_cert.empty()) {
      client.set_ca_cert_path(options.ca_cert);
    }
  }
};

Client::Client(const util::Url& origin, ClientOptions options) : m_impl(std::make_unique<Impl>(origin, options))
{
  auto& c = m_impl->client;
  const auto t = std::chrono::duration_cast<std::chrono::microseconds>(options.timeout);
  c.set_connection_timeout(t);
  c.set_read_timeout(t);
  c.set_write_timeout(t);
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  c.set_default_headers({{"User-Agent", std::string("acx/") + ACX_VERSION}});
  c.enable_server_certificate_verification(options.verify_tls);
  c.set_socket_options([impl = m_impl.get()](socket_t sock) {
    ::setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &k_receive_buffer, sizeof k_receive_buffer);
    impl->socket = sock;
  });
}

Client::~Client() = default;

Exchange Client::post(const std::string& target, const util::Headers& headers, const std::string& body,
                      std::stop_token stop)
{
  return request("POST", target, headers, body, std::move(stop));
}

namespace {

// The request as cpp-httplib takes it; why not, for a target or a header that could split the request.
std::optional<std::string> make_request(httplib::Request& req, const std::string& method, const std::string& target,
                                        const util::Headers& headers, const std::string& body)
{
  if (target.find_first_of(std::string_view("\r\n\0 ", 4)) != std::string::npos) {
    return "the request target has a space, CR, LF or NUL";
  }
  req.method = method;
  req.path = target;
  bool typed = false;
  for (const auto& h : headers) {
    if (auto why = util::unsafe_header(h)) {
      return why;
    }
    typed = typed || util::iequals(h.name, "Content-Type");
    req.headers.emplace(h.name, h.value);
  }
  if (method != "GET" && method != "DELETE" && !typed) {
    req.headers.emplace("Content-Type", "application/json");
  }
  if (method != "GET") {
    req.body = body;
  }
  return std::nullopt;
}

} // namespace

// One exchange through cpp-httplib, ended by the watchdog at `deadline`, when the answer's head overruns, when
// `stalled` says so (looked at every 10 ms), or when `stop` is asked. `receive` takes the body as it comes and returns
// false to cut the answer short (then `cut_short`). Fills `out`'s status and head, or its failure.
void Client::exchange(httplib::Request& req, Exchange& out, Clock::time_point deadline,
                      const std::function<bool()>& stalled,
                      const std::function<bool(const char*, std::size_t)>& receive, bool& cut_short,
                      std::stop_token stop)
{
  std::atomic<bool> head_done{false};
  std::atomic<bool> head_too_large{false};
  req.response_handler = [&out, &head_done](const httplib::Response& res) {
    head_done = true;
    out.status = res.status;
    for (const auto& [name, value] : res.headers) {
      out.headers.add(name, value);
    }
    return true;
  };
  req.content_receiver = [&receive, &cut_short](const char* data, size_t n, uint64_t, uint64_t) {
    cut_short = !receive(data, n);
    return !cut_short;
  };
  auto& watchdog = detail::Watchdog::shared();
  const auto start = Clock::now();
  // Bytes the connection had received before this request (a kept-alive one has some): the head is counted after.
  const std::uint64_t before = detail::bytes_received(m_impl->socket).value_or(0);
  const auto overrun = [impl = m_impl.get(), before, &head_done, &head_too_large, &stalled] {
    if (head_done) {
      return stalled && stalled(); // the body is bounded by `receive`
    }
    const auto n = detail::bytes_received(impl->socket);
    head_too_large = n && *n >= before && *n - before > k_max_head + static_cast<std::uint64_t>(k_receive_buffer);
    return head_too_large.load();
  };
  const auto id = watchdog.arm(
      deadline, [this] { m_impl->client.stop(); }, overrun);
  std::stop_callback on_stop(stop, [&watchdog, id] { watchdog.expire(id); });
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool ok = m_impl->client.send(req, res, error);
  const bool cut_off = watchdog.disarm(id);
  // cpp-httplib's own read timeout (the same length) may end it a moment before the watchdog does: a timeout too.
  const bool at_deadline = deadline != Clock::time_point::max() && Clock::now() + k_timer_slack >= deadline;
  out.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  if (ok && !head_done) {
    // No body to read (204, say): the head was never handed to response_handler.
    req.response_handler(res);
  }
  const bool valid_status = out.status >= 100 && out.status <= 599; // "HTTP/1.1 000 OK" would read as a failure
  if (cut_short && valid_status) {
    return;
  }
  if (!ok || !valid_status) {
    out.status = 0;
    out.headers = {};
    out.body.clear();
    out.failure = ok || cut_short            ? Failure::receive
                  : !cut_off && !at_deadline ? failure_of(error)
                  : stop.stop_requested()    ? Failure::aborted
                  : head_too_large           ? Failure::too_large
                                             : Failure::timeout;
    out.error = describe(out.failure, m_impl->options.timeout);
    out.permanent = out.failure == Failure::tls_untrusted;
  }
}

namespace {

Exchange refused(Failure f, std::string why)
{
  Exchange out;
  out.failure = f;
  out.error = std::move(why);
  out.permanent = f == Failure::bad_request;
  return out;
}

} // namespace

Exchange Client::request(const std::string& method, const std::string& target, const util::Headers& headers,
                         const std::string& body, std::stop_token stop)
{
  httplib::Request req;
  if (auto why = make_request(req, method, target, headers, body)) {
    return refused(Failure::bad_request, "not sent: " + *why);
  }
  if (stop.stop_requested()) {
    return refused(Failure::aborted, describe(Failure::aborted, {}));
  }
  // The answer: its head as it comes, and at most max_answer bytes of its body; past that the exchange is cut short.
  Exchange out;
  const std::size_t cap = m_impl->options.max_answer;
  const auto keep = [&out, cap](const char* data, std::size_t n) {
    const std::size_t room = cap - out.body.size();
    out.body.append(data, std::min(n, room));
    return n <= room;
  };
  bool too_long = false;
  exchange(req, out, Clock::now() + m_impl->options.timeout, {}, keep, too_long, std::move(stop));
  out.truncated = too_long && out.status != 0; // the answer's head and the start of its body: enough to judge it
  return out;
}

Exchange Client::stream(const std::string& target, const util::Headers& headers, std::chrono::milliseconds idle,
                        const std::function<bool(std::string_view)>& each, std::stop_token stop)
{
  httplib::Request req;
  if (auto why = make_request(req, "GET", target, headers, {})) {
    return refused(Failure::bad_request, "not sent: " + *why);
  }
  if (stop.stop_requested()) {
    return refused(Failure::aborted, describe(Failure::aborted, {}));
  }
  Exchange out;
  std::atomic<Clock::rep> last{Clock::now().time_since_epoch().count()};
  const std::size_t cap = m_impl->options.max_answer;
  const auto take = [&out, &each, &last, cap](const char* data, std::size_t n) {
    last = Clock::now().time_since_epoch().count();
    if (out.status < 200 || out.status > 299) { // an error's body, for the message
      const std::size_t room = cap - out.body.size();
      out.body.append(data, std::min(n, room));
      return n <= room;
    }
    return each(std::string_view(data, n));
  };
  const auto stalled = [&last, idle] { return Clock::now() - Clock::time_point(Clock::duration(last.load())) > idle; };
  auto& c = m_impl->client;
  const auto usual = std::chrono::duration_cast<std::chrono::microseconds>(m_impl->options.timeout);
  c.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(idle)); // cpp-httplib's own, per read
  bool ended = false;
  exchange(req, out, Clock::time_point::max(), stalled, take, ended, std::move(stop));
  c.set_read_timeout(usual);
  if (out.failure == Failure::timeout) {
    out.error = fmt::format("nothing arrived for {} ms", idle.count());
  }
  return out;
}

util::Library client_library()
{
  return {"cpp-httplib", CPPHTTPLIB_VERSION, CPPHTTPLIB_VERSION}; // header-only
}

} // namespace acx::http
