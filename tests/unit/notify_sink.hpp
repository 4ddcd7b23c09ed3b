#pragma once

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

// A service manager's end of $NOTIFY_SOCKET for the tests: a datagram socket bound at `path` (or, for a name that
// starts with @, in the abstract namespace), set as NOTIFY_SOCKET while it lives.
struct NotifySink {
  int fd = -1;
  explicit NotifySink(const std::string& path)
  {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), path.size());
    if (path[0] == '@') {
      a.sun_path[0] = '\0';
    }
    timeval wait{60, 0}; // generous: a sanitizer build on a busy machine
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a),
               static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size())) != 0) {
      throw std::runtime_error("cannot bind the notify socket");
    }
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~NotifySink()
  {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
  }
  NotifySink(const NotifySink&) = delete;
  NotifySink& operator=(const NotifySink&) = delete;
  // The next datagram, or "" after a minute without one.
  std::string next()
  {
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof(buf), 0);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
  }
};
