#include "acx/event/facts.hpp"

#include "acx/event/gist.hpp"
#include "acx/util/text.hpp"

namespace acx::event {

using Json = nlohmann::json;

namespace {

// A non-empty string id, or empty.
std::string id_of(const Json* v)
{
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

} // namespace

std::string subject(const Json& event)
{
  for (const char* kind : {"job", "contact"}) {
    std::string id;
    if (const Json* object = member(event, kind); object && object->is_object()) {
      id = id_of(member(*object, "id"));
    }
    if (id.empty()) {
      id = id_of(member(event, std::string(kind) + "Id"));
    }
    if (!id.empty()) {
      return std::string(kind) + ":" + id;
    }
  }
  return {};
}

Facts facts(const Json& event)
{
  return {subject(event), gist(event)};
}

} // namespace acx::event
