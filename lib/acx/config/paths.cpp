#include "acx/config/paths.hpp"

#include <fmt/format.h>

#include "acx/util/error.hpp"
#include "acx/util/io.hpp"

namespace acx::config {

namespace {

std::string acx_file(const char* variable, const char* fallback, const std::string& name, const std::string& flag)
{
  const auto base = util::xdg_base(variable, fallback);
  if (!base) {
    throw Error(ExitCode::usage, fmt::format("neither {} nor HOME is set: give the path with {}", variable, flag));
  }
  return *base + "/acx/" + name;
}

} // namespace

std::string state_file(const std::string& name, const std::string& flag)
{
  return acx_file("XDG_STATE_HOME", ".local/state", name, flag);
}

std::string config_path(const std::string& given)
{
  return given.empty() ? acx_file("XDG_CONFIG_HOME", ".config", "config.toml", "--config") : given;
}

std::string journal_path(const std::string& given)
{
  return given.empty() ? state_file("journal.db", "--journal") : given;
}

} // namespace acx::config
