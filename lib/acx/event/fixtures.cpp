#include "acx/event/fixtures.hpp"

#include <nlohmann/json.hpp>

#include "acx/event/topics.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/embedded.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::event {

// Generated from fixtures/*.json by cmake/Embed.cmake.
std::span<const EmbeddedFile> embedded_fixtures();

namespace {

// Sets the member whose key matches `key` case-insensitively, or adds it under `key`.
void set_member(nlohmann::ordered_json& object, std::string_view key, std::string value)
{
  for (auto& [k, v] : object.items()) {
    if (util::iequals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  object[std::string(key)] = std::move(value);
}

} // namespace

std::optional<std::string_view> find_fixture(std::string_view topic)
{
  for (const auto& f : embedded_fixtures()) {
    if (f.name.size() == topic.size() + 5 && f.name.starts_with(topic) && f.name.ends_with(".json")) {
      return f.content;
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> fixture_topics()
{
  std::vector<std::string_view> out;
  for (const auto& t : topics()) {
    if (find_fixture(t.name)) {
      out.push_back(t.name);
    }
  }
  return out;
}

std::string freshen(std::string_view envelope, util::Instant now)
{
  auto doc = nlohmann::ordered_json::parse(envelope, nullptr, false);
  if (!doc.is_object()) {
    throw Error(ExitCode::bad_input, "not an envelope: expected a JSON object");
  }
  set_member(doc, "eventId", util::new_guid());
  set_member(doc, "eventDateTime", util::format_rfc3339(now));
  return doc.dump(2) + "\n";
}

} // namespace acx::event
