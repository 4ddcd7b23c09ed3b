#pragma once

#include <span>
#include <string_view>

namespace acx::event {

// One AccuLynx webhook topic.
struct Topic {
  std::string_view name;
  std::string_view description;
  // The shape of the delivery's "event" object, as far as it is known; "(assumed)" marks what no capture confirms.
  std::string_view shape;
  bool legacy = false; // only in AccuLynx's older documentation
};

// The 22 live topics and the legacy job-milestone-changed, in catalog order.
std::span<const Topic> topics();

// The topic named exactly `name`, or nullptr.
const Topic* find_topic(std::string_view name);

} // namespace acx::event
