// Fuzz target: the HTTP client's reading of answers. A loopback peer answers each request with the input's bytes
// and closes; http::Client reads them as any outgoing request of acx does (send, check, forwarding, the API client).
// Whatever the bytes, it returns within its deadline, keeps no more than its cap, and never crashes.
#include <arpa/inet.h>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "acx/http/client.hpp"

namespace {

class Peer {
public:
  Peer()
  {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(m_fd, 64);
    socklen_t len = sizeof a;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    std::thread([this] { serve(); }).detach(); // lives as long as the process
  }
  void set(std::string answer)
  {
    std::lock_guard lock(m_mutex);
    m_answer = std::move(answer);
  }
  int port = 0;

private:
  void serve()
  {
    for (;;) {
      const int c = ::accept(m_fd, nullptr, nullptr);
      if (c < 0) {
        continue;
      }
      char buf[4096];
      std::string in;
      while (in.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) {
          break;
        }
        in.append(buf, static_cast<std::size_t>(n));
      }
      std::string answer;
      {
        std::lock_guard lock(m_mutex);
        answer = m_answer;
      }
      ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::shutdown(c, SHUT_WR);
      while (::recv(c, buf, sizeof buf, 0) > 0) {
      }
      ::close(c);
    }
  }
  int m_fd = -1;
  std::mutex m_mutex;
  std::string m_answer;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static Peer peer;
  peer.set(std::string(reinterpret_cast<const char*>(data), size));
  acx::http::ClientOptions o;
  o.timeout = std::chrono::milliseconds(2000);
  o.max_answer = 1024;
  acx::http::Client client(*acx::util::parse_url("http://127.0.0.1:" + std::to_string(peer.port) + "/"), o);
  const auto e = client.post("/hook", {{"X-A", "b"}}, "{}");
  if (e.body.size() > o.max_answer || (e.status == 0 && e.error.empty()) || (e.status != 0 && !e.error.empty())) {
    __builtin_trap();
  }
  return 0;
}
