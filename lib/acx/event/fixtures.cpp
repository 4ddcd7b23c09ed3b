#include "acx/event/fixtures.hpp"

#include <nlohmann/json.hpp>

#include "acx/event/edit.hpp"
#include "acx/event/topics.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/embedded.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::event {

// Generated from fixtures/*.json by cmake/Embed.cmake.
std::span<const EmbeddedFile> embedded_fixtures();

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
  auto doc = parse_editable(envelope, "the fixture");
  freshen(doc, now);
  return serialize(doc, Layout::indented);
}

} // namespace acx::event
