#include "acx/event/json_text.hpp"

namespace acx::event {

std::string json_text(const nlohmann::json& value, int indent)
{
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_text(const nlohmann::ordered_json& value, int indent)
{
  return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string json_line(const nlohmann::json& value)
{
  return json_text(value) + "\n";
}

std::string json_line(const nlohmann::ordered_json& value)
{
  return json_text(value) + "\n";
}

} // namespace acx::event
