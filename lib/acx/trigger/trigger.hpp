#pragma once

// acx trigger: the change in AccuLynx (or the sandbox) that makes it send a topic's real event, made through the API,
// as Stripe's `stripe trigger` creates the objects whose events it wants.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acx/acculynx/api.hpp"
#include "acx/util/time.hpp"

namespace acx::trigger {

// A topic acx trigger can cause, and whether AccuLynx's public API can (else only the sandbox, and `by_hand` says
// what to do in AccuLynx's own screens).
struct Cause {
  std::string_view topic;
  std::string_view steps; // what trigger does, for --help and the README
  bool public_api = false;
  std::string_view by_hand;
};
std::span<const Cause> causes();
// What to do by hand in AccuLynx for a topic trigger cannot cause through the API ("" when there is no advice).
std::string by_hand(std::string_view topic);

// A job or contact that was made or changed.
struct Made {
  std::string kind; // "job" or "contact"
  std::string id;
  std::string link;
  std::string action = "created"; // or "changed"
};

struct Caused {
  std::string topic;
  std::vector<Made> made;   // in order; the last is the subject
  util::Instant changed_at; // just before the request that makes the event
  const Made& subject() const { return made.back(); }
};

// Makes the change that produces `topic`. `assignments` (PATH=VALUE) choose field values: `contact.PATH` the
// contact's, `milestone` the milestone to move to (job.milestone.current_changed), any other the job's (or, for
// contact topics, the contact's). `sandbox`: the API is acx sandbox, whose own routes make the changes AccuLynx's
// public API cannot. Throws acx::Error (usage) for a topic it cannot cause there, saying what to do instead;
// acculynx::ApiError when the API refuses.
Caused cause(acculynx::Api& api, const std::string& topic, const std::vector<std::string>& assignments, bool sandbox);

// Whether the API is acx sandbox (it answers the sandbox's own routes).
bool is_sandbox(acculynx::Api& api);

} // namespace acx::trigger
