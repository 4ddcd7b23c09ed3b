#pragma once

// The command tree reduced to what the generated documents need: the shell completions (completion.cpp) and the man
// pages (manual.cpp) are both made from it, so neither can drift from the flags CLI11 parses.

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

namespace acx::cli {

struct OptionSpec {
  std::vector<std::string> names; // "--scheme", "-H"
  std::string description;
  std::string value; // what --help shows after the names: " N (default 8787) (env ACX_PORT)"; empty for a flag
  std::string group; // the option group's name ("Relay"), or empty
  std::string env;   // the environment variable it reads, or empty
  bool takes_value = false;
  std::vector<std::string> choices; // empty: complete file names
  bool files = false;               // file names as well as the choices
};

struct Example {
  std::string what;         // "Receive with AccuLynx's token, journal to the default place"
  std::string command_line; // "acx listen --secret \"$TOKEN\""
};

struct CommandSpec {
  std::string path; // "acx fixtures show"
  std::string description;
  std::string footer;
  std::vector<OptionSpec> options;
  std::vector<std::pair<std::string, std::string>> subcommands; // name, description
  bool has_argument = false;
  std::string argument;                      // its name ("url"), with has_argument
  std::string argument_description;          // with has_argument
  bool argument_required = false;            // with has_argument
  bool argument_repeats = false;             // with has_argument: FILE...
  std::vector<std::string> argument_choices; // empty with has_argument: files
  bool argument_files = false;               // file names as well as the choices
  std::vector<Example> examples;
};

// Words a shell offers for an option's value or a positional argument that CLI11 does not restrict (topic names for
// --topic: AccuLynx may add topics); with `files`, file names as well (send takes a topic or a file).
void suggest(CLI::Option* option, std::vector<std::string> words, bool files = false);

// Examples of `cmd` for its man page, in the order given.
void examples(CLI::App* cmd, std::vector<Example> list);

// `app` and every subcommand under it, depth first, `app` first; paths start with `root`.
std::vector<CommandSpec> command_tree(const CLI::App& app, const std::string& root = "acx");

} // namespace acx::cli
