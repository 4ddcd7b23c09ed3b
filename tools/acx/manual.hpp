#pragma once

// acx's man pages, written in roff from the command tree (command_tree.hpp) that also parses the flags: acx(1) with
// the commands, exit codes, environment, files and examples, and acx-COMMAND(1) for each command with its options,
// its subcommands and theirs.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace acx::cli {

struct ManPage {
  std::string name; // "acx", "acx-listen", "acx.toml": the file is name + "." + section
  std::string roff;
  int section = 1;
};

// Every page: acx(1) first, then one for each command of `app`, then acx.toml(5), the config file.
std::vector<ManPage> man_pages(const CLI::App& app);

} // namespace acx::cli
