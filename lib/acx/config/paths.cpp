#include "acx/config/paths.hpp"

#include <fmt/format.h>

#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

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
  if (given.empty()) {
    return state_file("journal.db", "--journal");
  }
  // A URL of a kind acx does not keep journals in is a mistake, not a file name (taken as one, "mysql://h/db" made a
  // directory "mysql:" in the working directory).
  const auto scheme = given.find("://");
  const bool named =
      scheme != std::string::npos && scheme > 0 &&
      given.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") == scheme;
  if (named && given.rfind("postgresql://", 0) != 0 && given.rfind("postgres://", 0) != 0) {
    throw Error(ExitCode::usage, fmt::format("--journal {}: acx keeps a journal in a file (a path) or in PostgreSQL "
                                             "(postgresql://user@host/db), not in {}",
                                             util::excerpt(util::redact_url(given)), given.substr(0, scheme + 3)));
  }
  return given;
}

} // namespace acx::config
