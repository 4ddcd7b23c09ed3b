#pragma once

// One reconciliation pass, as acx reconcile and the listener's schedule (listen --reconcile-every) run it: read the
// API's changes in a window, keep those of the subscribed topics, match them with the journal, and with `repair`
// journal a rebuilt event for each one missed.

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <stop_token>
#include <string>

#include "acx/reconcile/reconcile.hpp"

namespace acx::reconcile {

struct Plan {
  Window window;
  std::set<std::string> topics; // the subscribed topics; empty: every topic of the table
  std::chrono::milliseconds tolerance{std::chrono::minutes(2)};
  bool repair = false;
  std::map<std::string, std::string> subscription_of; // topic -> the subscriptionId a rebuilt event names
};

struct Report {
  Read read; // its changes are those of the subscribed topics
  Result result;
  std::size_t repaired = 0;
};

// `writer` is needed only with plan.repair. `progress(done, of)` after each job read.
Report pass(acculynx::Api& api, journal::Reader& reader, journal::Writer* writer, const Plan& plan,
            std::stop_token stop, const std::function<void(std::size_t done, std::size_t of)>& progress);

} // namespace acx::reconcile
