// Apart from every other file: <linux/tcp.h> has the kernel's full struct tcp_info, which clashes with glibc's
// <netinet/tcp.h> (an older copy, without the byte counts).
#include "acx/http/tcp_info.hpp"

#include <cstddef>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace acx::http::detail {

std::optional<std::uint64_t> bytes_received(int fd)
{
  tcp_info info{};
  socklen_t len = sizeof info;
  if (fd < 0 || ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
      len < offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received) {
    return std::nullopt;
  }
  return info.tcpi_bytes_received;
}

} // namespace acx::http::detail
