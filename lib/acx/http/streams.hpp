#pragma once

// Internal to acx/http: the server's answers whose body is made while it is sent (Response::stream), and the sleep of
// a wakeable one (Response::wakeable). Apart from server.cpp so that each keeps one concern; both see libmicrohttpd.

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <sys/types.h>

#include "acx/http/message.hpp"

struct MHD_Connection;
struct MHD_Response;

namespace acx::http::detail {

struct Sleeper;

class Streams {
public:
  // libmicrohttpd's response for `r`: its stream, made while it is sent, or its body; nullptr when none can be made.
  MHD_Response* respond(MHD_Connection* connection, Response& r);
  // Ends every sleeping stream: the server must not stop with a connection suspended, nor wait for a stream that
  // never ends.
  void end_all();

private:
  struct Stream;
  static ssize_t read(void* cls, std::uint64_t pos, char* buf, std::size_t max);
  static void release(void* cls);

  std::mutex m_mutex;
  std::set<std::shared_ptr<Sleeper>> m_sleepers; // wakeable streams under way
};

} // namespace acx::http::detail
