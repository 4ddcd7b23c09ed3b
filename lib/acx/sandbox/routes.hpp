#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "acx/http/server.hpp"
#include "acx/sandbox/sandbox.hpp"
#include "acx/util/crypto.hpp"

namespace acx::sandbox {

class Deliverer;
class Store;

// A fixed-window limit on requests a second, per API key. The time is given (the Unix second of the request), so
// tests run it on a clock of their own.
class RateLimiter {
public:
  explicit RateLimiter(double per_second) : m_limit(static_cast<int>(per_second)) {}
  // Whether one more request with `key` in `second` keeps to the limit; counts it.
  bool allow(const std::string& key, std::int64_t second);

private:
  int m_limit;
  std::mutex m_mutex;
  std::map<std::string, std::pair<std::int64_t, int>> m_windows;
};

// The emulated API's routes, and the sandbox's admin routes: each its own function. Every call first shows a known
// API key (compared in constant time) and keeps to the rate limit; a body of the wrong shape is a 400 problem.
class Routes {
public:
  Routes(Store& store, Deliverer& deliverer, const Options& options);
  // For an http::Server; they refer to this object, which must outlive the server.
  std::vector<http::Route> routes();

private:
  using Call = http::Response (Routes::*)(const http::Request&, const std::string& key);
  http::Handler guarded(Call call);

  http::Response list_subscriptions(const http::Request& r, const std::string& key);
  http::Response create_subscription(const http::Request& r, const std::string& key);
  http::Response show_subscription(const http::Request& r, const std::string& key);
  http::Response change_subscription(const http::Request& r, const std::string& key);
  http::Response delete_subscription(const http::Request& r, const std::string& key);
  http::Response test_event(const http::Request& r, const std::string& key);
  http::Response list_topics(const http::Request& r, const std::string& key);
  http::Response emit(const http::Request& r, const std::string& key);
  http::Response deliveries(const http::Request& r, const std::string& key);

  // Links point back the way the client came (its Host header), so they are right behind any address or proxy.
  std::string base_url(const http::Request& r) const;

  Store& m_store;
  Deliverer& m_deliverer;
  const Options& m_options;
  RateLimiter m_limiter;
  std::vector<util::Digest> m_key_digests;
};

} // namespace acx::sandbox
