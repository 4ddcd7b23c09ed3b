#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "acx/util/text.hpp"

namespace acx::event {

// The member of `object` named `key` in any capitalisation (AccuLynx sends event.Job as well as event.job), or
// nullptr; the first one when two differ only in case. nullptr when `object` is not an object. For json and
// ordered_json, const or not.
template <class Json> Json* member(Json& object, std::string_view key)
{
  if (!object.is_object()) {
    return nullptr;
  }
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (util::iequals(it.key(), key)) {
      return &it.value();
    }
  }
  return nullptr;
}

// What the listener derives from an accepted event once, stored with its record so that every reader of the journal
// (the printer, the forwarders, the page) uses the same facts instead of parsing the body again.
struct Facts {
  std::string subject; // what the event is about: "job:<id>" or "contact:<id>"; empty when neither is named
  std::string gist;    // a few words for one-line output (see gist())
};

// The job or contact an event is about: event.job.id, event.jobId, event.contact.id, event.contactId, in that order
// of preference, any capitalisation: "job:<id>", "contact:<id>", or empty.
std::string subject(const nlohmann::json& event);

// Both facts of an envelope's `event` member.
Facts facts(const nlohmann::json& event);

} // namespace acx::event
