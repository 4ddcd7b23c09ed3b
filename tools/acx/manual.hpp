#pragma once

// acx's man pages, written in roff from the command tree (command_tree.hpp) that also parses the flags: acx(1) with
// the commands, exit codes, environment, files and examples, and acx-COMMAND(1) for each command with its options,
// its subcommands and theirs.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace acx::cli {

struct ManPage {
  std::string name; // "acx", "acx-listen": the file is name + ".1"
  std::string roff;
};

// Every page: acx(1) first, then one for each command of `app`.
std::vector<ManPage> man_pages(const CLI::App& app);

} // namespace acx::cli
