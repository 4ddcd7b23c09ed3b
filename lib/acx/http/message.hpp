#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "acx/util/headers.hpp"

namespace acx::http {

// An HTTP request as acx sees it; the body is the raw bytes received.
struct Request {
  std::string method;
  std::string path;   // decoded path, without the query
  std::string target; // the request target as sent: path and query, undecoded
  std::string remote; // "address:port" of the peer (the client's address, through a trusted proxy)
  util::Headers headers;
  std::string body;
  std::vector<std::string> params;          // the values of a route's {name} segments, in order
  std::map<std::string, std::string> query; // decoded query parameters (the first value of each name)
  // For an answer given later (an AsyncHandler's): whether the client has closed its side meanwhile. Valid until
  // the reply.
  std::function<bool()> client_gone;
};

// An HTTP response.
struct Response {
  Response() = default;
  Response(int status_code, std::string type, std::string text, util::Headers extra = {})
      : status(status_code), content_type(std::move(type)), body(std::move(text)), headers(std::move(extra))
  {
  }

  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  util::Headers headers;
  // A body made while it is sent, instead of `body`: called again and again on a network thread, it appends the next
  // piece to `out` and returns false once there is no more. It must not block for long; an exception ends the answer.
  std::function<bool(std::string& out)> stream;
  // For a stream that can have nothing to send for a while (server-sent events): the server gives it, before its first
  // piece, the function that wakes it. A piece left empty while the stream goes on (it returned true) then puts the
  // connection to sleep, holding no thread and never spinning, until `wake` is called; wake may be called from any
  // thread at any time, also after the answer ended (it does nothing then). Server::stop() ends a sleeping stream.
  std::function<void(std::function<void()> wake)> wakeable;
};

} // namespace acx::http
