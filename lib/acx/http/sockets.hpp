#pragma once

// Internal to acx/http: the server's sockets and addresses, apart from server.cpp (which is about libmicrohttpd).

#include <string>
#include <sys/socket.h>
#include <utility>

namespace acx::http::detail {

// The address of a socket address, without its port ("127.0.0.1", "::1"), and its port; "unknown" for none.
std::pair<std::string, int> ip_and_port(const sockaddr* sa);

// "127.0.0.1:80", "[::1]:80".
std::string with_port(const std::string& ip, int port);

// A listening TCP socket on host:port, non-blocking; throws acx::Error (network) naming the address and the reason.
int listen_on(const std::string& host, int port);
// The process listening on TCP `port`, as "pid 1234 (acx listen --port 8789)", where /proc shows it (a process of
// this user, or any as root); "" otherwise.
std::string port_holder(int port);

// The port a socket is bound to.
int bound_port(int fd);

// Many open connections need many descriptors: takes what the hard limit allows.
void raise_descriptor_limit();

} // namespace acx::http::detail
