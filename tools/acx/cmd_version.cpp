// acx version.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/json_text.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

void setup_version(CLI::App& app, Run& run)
{
  auto format = std::make_shared<Format>(Format::text);
  auto* cmd = app.add_subcommand("version", "Print acx's version");
  add_format_option(cmd, *format, FormatDefault::text, std::nullopt, JsonShape::object);
  cmd->callback([&run, format] {
    run = [format] {
      if (*format == Format::json) {
        fmt::print("{}", event::json_line(nlohmann::json{{"version", ACX_VERSION}}));
      } else {
        fmt::print("acx {}\n", ACX_VERSION);
      }
      return 0;
    };
  });
}

} // namespace acx::cli
