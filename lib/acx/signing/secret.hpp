#pragma once

#include <string>
#include <utility>
#include <vector>

namespace acx::signing {

// A secret as the user gave it. It has no stream or format operator, so it cannot end up in a message by accident;
// the only way to its bytes is reveal(), which only signing code calls.
class Secret {
public:
  explicit Secret(std::string text) : m_text(std::move(text)) {}
  const std::string& reveal() const { return m_text; }

private:
  std::string m_text;
};

// The environment variables that carry acx's secrets: removed from the environment of every command acx runs.
inline const std::vector<std::string>& secret_variables()
{
  static const std::vector<std::string> names{"ACX_SECRET", "ACX_FORWARD_SECRET", "ACX_API_KEY"};
  return names;
}

} // namespace acx::signing
