#pragma once

#include <functional>

// Flags shared by several subcommands, declared once so they read the same everywhere.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "acx/signing/scheme.hpp"
#include "acx/util/error.hpp"
#include "acx/util/headers.hpp"
#include "acx/util/time.hpp"

namespace acx::cli {

// One --format vocabulary for every command: text for people, json for programs (JSON lines where the output is a
// stream), raw only where a command prints bodies byte for byte.
enum class Format { text, json, raw };

enum class FormatDefault {
  text,        // text unless asked: what a person or a shell script reads (sign's headers, send's attempts)
  by_terminal, // text on a terminal, json in a pipe: listings and streams (listen, events)
};
// --format text|json (and raw when `raw`). Help lists the plain words; any other value is a usage error.
void add_format_option(CLI::App* cmd, Format& format, FormatDefault by = FormatDefault::text, bool raw = false);

// The signing flags: --scheme, --secret (repeatable when `several`), the HMAC overrides.
struct SchemeFlags {
  std::string scheme; // empty: the default rule, resolved_scheme()
  std::vector<std::string> secrets;
  std::string tolerance = "5m";
  std::string hmac_header;
  std::string hmac_prefix;
  std::string hmac_encoding;
};
// The secrets in FILE: one a line, blank lines and #-comments skipped; warns on stderr when others may read it.
// Secrets in files (or the environment) stay out of /proc/PID/cmdline, where any local user can read flags.
std::vector<std::string> read_secret_file(const std::string& path);

// NAME FILE (--secret-file, --api-key-file): hands the secrets in FILE to `take` once the flags are parsed, after
// the flag and the environment variable it stands beside, so a file given wins or adds to them (never a usage error
// because the variable happens to be exported).
CLI::Option* add_secret_file_option(CLI::App* cmd, const std::string& name, const std::string& help,
                                    std::function<void(std::vector<std::string>)> take);

enum class SecretCount { one, several };
void add_scheme_options(CLI::App* cmd, SchemeFlags& flags, SecretCount count);
// --tolerance DUR.
void add_tolerance_option(CLI::App* cmd, SchemeFlags& flags);

// The scheme the flags name, or the one rule every command shares when they name none: AccuLynx's own, the token
// in the URL, when a secret is given; no verification without one. So the same --secret on both sides just works.
std::string resolved_scheme(const SchemeFlags& flags);

// The scheme options the flags describe; throws acx::Error (usage) for HMAC flags on another scheme.
signing::SchemeOptions scheme_options(const SchemeFlags& flags);
// Builds the scheme the flags describe; throws acx::Error (usage) with the flag's name when something is off.
std::unique_ptr<signing::Scheme> make_scheme(const SchemeFlags& flags);

// A validator that accepts exactly `choices`; its description lists them (so completions offer them) and its error
// says "unknown <what> 'value': <hint>".
CLI::Validator one_of(std::vector<std::string> choices, std::string what, std::string hint);

// For a command line CLI11 refused: "unknown command 'lsiten': did you mean 'listen'?" (or the same for an option)
// when a word left over is near one of `cmd`'s subcommands or options; nullopt when nothing is near.
std::optional<std::string> did_you_mean(const CLI::App& cmd);

// The catalog's current topic names (for completion and suggestions), and those with a sample delivery (fixture).
std::vector<std::string> catalog_topic_names();
std::vector<std::string> fixture_topic_names();

// A CLI11 validator for durations ("300", "90s", "5m", "1h30m", "250ms").
CLI::Validator duration_validator();

// -H 'Name: value' arguments, each also @FILE for a file of such lines (what `acx sign` prints; a bare URL line in
// it is skipped). Throws acx::Error (usage) naming the bad argument or line.
util::Headers collect_headers(const std::vector<std::string>& args);

// A validator for http(s) URLs.
CLI::Validator url_validator();

// A duration that may be negative: "-10m", "90s", "+1h".
std::optional<std::chrono::milliseconds> parse_signed_duration(std::string_view text);
CLI::Validator signed_duration_validator();

// An RFC 3339 UTC time, or a duration before now ("90m": ninety minutes ago).
std::optional<util::Instant> parse_time_or_ago(std::string_view text);
CLI::Validator time_or_ago_validator();

} // namespace acx::cli
