#pragma once

#include <string>
#include <vector>

#include "acx/http/server.hpp"
#include "acx/sandbox/options.hpp"

namespace acx::sandbox {

class Company;
class Deliverer;
class Gate;
class Store;

// The webhooks API's routes (/webhooks/v2: subscriptions, test events, topics) and the sandbox's own beside them
// (/_sandbox: emit, deliveries, usage): each its own function, behind the gate.
class Routes {
public:
  Routes(Store& store, Company& company, Deliverer& deliverer, Gate& gate, const Options& options);
  // For an http::Server; they refer to this object, which must outlive the server.
  std::vector<http::Route> routes();

private:
  http::Response list_subscriptions(const http::Request& r, const std::string& key);
  http::Response create_subscription(const http::Request& r, const std::string& key);
  http::Response show_subscription(const http::Request& r, const std::string& key);
  http::Response change_subscription(const http::Request& r, const std::string& key);
  http::Response delete_subscription(const http::Request& r, const std::string& key);
  http::Response test_event(const http::Request& r, const std::string& key);
  http::Response list_topics(const http::Request& r, const std::string& key);
  http::Response emit(const http::Request& r, const std::string& key);
  http::Response deliveries(const http::Request& r, const std::string& key);
  http::Response usage(const http::Request& r, const std::string& key);
  http::Response set_status(const http::Request& r, const std::string& key);

  std::string base_url(const http::Request& r) const;

  Store& m_store;
  Company& m_company;
  Deliverer& m_deliverer;
  Gate& m_gate;
  const Options& m_options;
};

} // namespace acx::sandbox
