#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "command_tree.hpp"

namespace acx::cli {

// A shell completion script for bash, zsh or fish, generated from the command tree so it never drifts from the flags.
std::string completion_script(const CLI::App& app, const std::string& shell);

} // namespace acx::cli
