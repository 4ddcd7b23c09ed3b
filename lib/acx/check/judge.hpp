#pragma once

// What the checks share: how they send, how they judge what came back, and how they word it (a verdict, the
// requests, a command that makes the same request again).

#include <string>
#include <vector>

#include "acx/check/check.hpp"

namespace acx::check {

// The traits of the scheme the probe signs with.
const signing::Traits& scheme_of(const Probe& p);

// The `acx send` line that signs as the probe does (the secret from $ACX_SECRET, which acx send reads), with the
// check's -H headers.
std::string send_line(const Settings& s, const std::string& event, const std::string& flags = "");
// A curl line for what acx send cannot express (another method, a body that is not an envelope): it writes the exact
// body to ./body, signs it as the probe does, and sends it with the check's -H headers; curl -i shows the status.
std::string curl_line(const Settings& s, const std::string& method, const std::string& body,
                      const std::string& content_type = "application/json");
// The same, with a shell command that writes ./body (a body too large for a command line).
std::string curl_line_writing(const Settings& s, const std::string& method, const std::string& write_body,
                              const std::string& content_type = "application/json");

Outcome pass(std::string detail, std::vector<Sent> requests = {});
Outcome skip(std::string why);
Outcome fail(std::string detail, std::vector<Sent> requests, std::string reproduce);
Outcome inconclusive(std::string why, std::vector<Sent> requests);
// Recommended checks warn instead of failing.
Outcome recommend(Outcome o);

// What is wrong with answers that should all be 2xx, or "".
std::string not_accepted(const std::vector<Sent>& sent);
// Sends one after another, stopping at the first timeout.
std::vector<Sent> send_each(Probe& p, const std::vector<Delivery>& deliveries);
// Deliveries that must be refused with a 4xx: a 2xx, a 5xx or no answer fails, each for its own reason (`why` is a
// plain 2xx's: "anyone could post events"). A valid delivery follows them as a control: when it is refused too (or
// not answered), their refusals say nothing about `what` and the outcome is inconclusive.
Outcome expect_refused(Probe& p, const std::vector<Delivery>& deliveries, const std::string& what,
                       const std::string& why, const std::string& reproduce);
// Why an answer that should have been a 4xx is wrong: a 2xx whose body reads as a refusal hides it (`accepted`: what
// a valid delivery got, for comparison), a 5xx invites retries, a redirect is not followed; a plain 2xx: `why`.
std::string not_refused_because(const Sent& s, const Sent* accepted, const std::string& why);
// The catalog's live topics.
std::vector<std::string> live_topics();

} // namespace acx::check
