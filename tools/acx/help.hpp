#pragma once

// How acx speaks about its command line: the options in --help (a value's name, its default, its environment
// variable, once each) and a parse error in acx's words instead of CLI11's.

#include <CLI/CLI.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace acx::cli {

// The help formatter every command uses: "--port N (default 8787)", "--format text|json", "--secret TEXT ... (env
// ACX_SECRET)"; set on the app before its subcommands are added.
std::shared_ptr<CLI::Formatter> help_formatter();

// The choices CLI11 writes into an option's type name, "TEXT:{standard,hmac}" -> standard, hmac; none without braces.
std::vector<std::string> choices_in(const std::string& type);

// A parse error, in acx's words: what was wrong and where (an unknown option or command with the nearest one, a value
// given as a separate word to an option whose value is optional, a number out of range, a missing value).
std::string in_our_words(const CLI::Error& error, const CLI::App& deepest, std::span<char* const> args);

} // namespace acx::cli
