#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace acx::cli {

// Words a shell offers for an option's value or a positional argument that CLI11 does not restrict (topic names for
// --topic: AccuLynx may add topics); with `files`, file names as well (send takes a topic or a file).
void suggest(CLI::Option* option, std::vector<std::string> words, bool files = false);

// A shell completion script for bash, zsh or fish, generated from the command tree so it never drifts from the flags.
std::string completion_script(const CLI::App& app, const std::string& shell);

} // namespace acx::cli
