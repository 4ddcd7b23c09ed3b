#include "acx/http/sockets.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fmt/format.h>
#include <fstream>
#include <netdb.h>
#include <netinet/in.h>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::http::detail {

std::pair<std::string, int> ip_and_port(const sockaddr* sa)
{
  char host[INET6_ADDRSTRLEN] = {};
  if (sa == nullptr) {
    return {"unknown", 0};
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return {host, ntohs(in6->sin6_port)};
  }
  const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
  inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
  return {host, ntohs(in->sin_port)};
}

std::string with_port(const std::string& ip, int port)
{
  return ip.find(':') != std::string::npos ? fmt::format("[{}]:{}", ip, port) : fmt::format("{}:{}", ip, port);
}

namespace {

// The inode of the socket listening on TCP `port` (IPv4 or IPv6), from /proc/net; 0 when none is found.
unsigned long listening_inode(int port)
{
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line); // the heading
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
      unsigned long inode = 0;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      const auto colon = local.rfind(':');
      if (state == "0A" && colon != std::string::npos &&
          std::strtol(local.c_str() + colon + 1, nullptr, 16) == port) { // 0A: LISTEN
        return inode;
      }
    }
  }
  return 0;
}

} // namespace

std::string port_holder(int port)
{
  const unsigned long inode = listening_inode(port);
  if (inode == 0) {
    return {};
  }
  const std::string wanted = fmt::format("socket:[{}]", inode);
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    return {};
  }
  std::string found;
  while (const dirent* p = ::readdir(proc)) {
    const std::string pid = p->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    DIR* fds = ::opendir(("/proc/" + pid + "/fd").c_str()); // only our own processes' unless root
    while (fds != nullptr && found.empty()) {
      const dirent* fd = ::readdir(fds);
      if (fd == nullptr) {
        break;
      }
      char target[64] = {};
      const std::string link = "/proc/" + pid + "/fd/" + fd->d_name;
      if (::readlink(link.c_str(), target, sizeof target - 1) > 0 && wanted == target) {
        std::ifstream cmdline("/proc/" + pid + "/cmdline");
        std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
        std::replace(args.begin(), args.end(), '\0', ' ');
        found = fmt::format("pid {} ({})", pid, util::excerpt(util::trim(args), 60));
      }
    }
    if (fds != nullptr) {
      ::closedir(fds);
    }
    if (!found.empty()) {
      break;
    }
  }
  ::closedir(proc);
  return found;
}

int listen_on(const std::string& host, int port)
{
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw Error(ExitCode::network, fmt::format("cannot listen on {}:{}: {}", host, port, gai_strerror(rc)));
  }
  int err = 0;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      freeaddrinfo(found);
      return fd;
    }
    err = errno;
    ::close(fd);
  }
  freeaddrinfo(found);
  if (err == EADDRINUSE) {
    const std::string holder = port_holder(port);
    throw Error(ExitCode::network,
                fmt::format("cannot listen on {}:{}: port {} is in use{}: pick another port, or 0 for any free one",
                            host, port, port, holder.empty() ? "" : " by " + holder));
  }
  throw Error(ExitCode::network,
              fmt::format("cannot listen on {}:{}: {}", host, port, err ? std::strerror(err) : "no address"));
}

int bound_port(int fd)
{
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                  : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

void raise_descriptor_limit()
{
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

} // namespace acx::http::detail
