#pragma once

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
  std::string remote; // "address:port" of the peer
  util::Headers headers;
  std::string body;
  std::vector<std::string> params;          // the values of a route's {name} segments, in order
  std::map<std::string, std::string> query; // decoded query parameters (the first value of each name)
};

// An HTTP response.
struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  util::Headers headers;
};

} // namespace acx::http
