// acx man [COMMAND] | --directory DIR: print or write the man pages, made from the command tree.
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "acx/util/error.hpp"
#include "acx/util/text.hpp"
#include "command.hpp"
#include "command_tree.hpp"
#include "manual.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

int print_or_write(const CLI::App& app, const std::string& command, const std::string& directory)
{
  const auto pages = man_pages(app);
  if (!directory.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) {
      throw Error(ExitCode::io, fmt::format("cannot create the directory {}: {}", directory, ec.message()));
    }
    for (const auto& page : pages) {
      const std::string path = fmt::format("{}/{}.{}", directory, page.name, page.section);
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << page.roff;
      if (!out.flush()) {
        throw Error(ExitCode::io, fmt::format("cannot write {}: is {} a writable directory?", path, directory));
      }
    }
    return 0;
  }
  const std::string name = command.empty() ? "acx" : command == "acx.toml" ? command : "acx-" + command;
  std::vector<std::string> commands;
  for (const auto& page : pages) {
    if (page.name == name) {
      fmt::print("{}", page.roff);
      return 0;
    }
    if (page.name.starts_with("acx-")) {
      commands.push_back(page.name.substr(4));
    }
  }
  const auto near = util::closest(command, commands);
  throw Error(ExitCode::usage,
              fmt::format("acx has no command '{}'{}", util::excerpt(command),
                          near ? fmt::format(": did you mean '{}'?", *near) : " (acx --help lists them)"));
}

} // namespace

void setup_man(CLI::App& app, Run& run)
{
  auto command = std::make_shared<std::string>();
  auto directory = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("man", "Print the man page of acx or of a command (roff, made from the flags)");
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); })) {
    names.push_back(sub->get_name());
  }
  names.emplace_back("man");
  names.emplace_back("acx.toml");
  suggest(
      cmd->add_option(
          "command", *command,
          "The command whose page to print (default: acx(1), the overview; acx.toml: the config file's, section 5)"),
      names);
  cmd->add_option("--directory", *directory,
                  "Write every page into DIR instead, creating it (acx.1, acx-listen.1, ..., acx.toml.5)")
      ->option_text("DIR")
      ->excludes(cmd->get_option("command"));
  cmd->footer("Read one without installing it: acx man listen | man -l -");
  cmd->callback([&run, &app, command, directory] {
    run = [&app, command, directory] { return print_or_write(app, *command, *directory); };
  });
}

} // namespace acx::cli
