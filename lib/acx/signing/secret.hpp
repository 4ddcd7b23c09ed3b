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

} // namespace acx::signing
