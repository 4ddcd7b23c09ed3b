#pragma once

#include <functional>
#include <optional>

// Flags shared by several subcommands, declared once so they read the same everywhere.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "acx/signing/scheme.hpp"
#include "acx/util/error.hpp"
#include "acx/util/headers.hpp"
#include "acx/util/notice.hpp"
#include "acx/util/time.hpp"

namespace acx::cli {

// One --format vocabulary for every command: text for people, json for programs (JSON lines where the output is a
// stream), raw only where a command prints bodies byte for byte.
enum class Format { text, json, raw, junit };

enum class FormatDefault {
  text,        // text unless asked: what a person or a shell script reads (sign's headers, send's attempts)
  by_terminal, // text on a terminal, json in a pipe: listings and streams (listen, events)
};
// The one rule of JSON output: a list or a stream is JSON lines (one object a line); one thing (a report, a verdict,
// an event, the headers of a signature) is one JSON object.
enum class JsonShape { lines, object };
// --format text|json (and `extra`, raw or junit, where it means something). Help lists the plain words and says which
// shape the JSON has; any other value is a usage error.
void add_format_option(CLI::App* cmd, Format& format, FormatDefault by = FormatDefault::text,
                       std::optional<Format> extra = std::nullopt, JsonShape shape = JsonShape::lines);

// The signing flags: --scheme, --secret (repeatable when `several`), the HMAC overrides.
struct SchemeFlags {
  std::string scheme; // empty: the default rule, resolved_scheme()
  std::vector<std::string> secrets;
  std::chrono::milliseconds tolerance = std::chrono::minutes(5);
  std::string hmac_header;
  std::string hmac_prefix;
  std::string hmac_encoding;
  bool signs = false; // the command signs with the secrets (several: one signature each, which only standard lists)
  // Verifying: secrets being rotated out, until a time (--previous-secret, --previous-until RFC 3339), and those a
  // profile's subscriptions hold (previous_token or previous_signing_secret, with their previous_until).
  std::vector<std::string> previous;
  std::string previous_until;
  std::vector<std::pair<std::string, std::string>> rotated; // secret, until
};
// The secrets in FILE: one a line, blank lines and #-comments skipped; warns on stderr when others may read it.
// Secrets in files (or the environment) stay out of /proc/PID/cmdline, where any local user can read flags.
std::vector<std::string> read_secret_file(const std::string& path);

// NAME FILE (--secret-file, --api-key-file): hands the secrets in FILE to `take` once the flags are parsed, after
// the flag and the environment variable it stands beside, so a file given wins or adds to them (never a usage error
// because the variable happens to be exported).
CLI::Option* add_secret_file_option(CLI::App* cmd, const std::string& name, const std::string& help,
                                    std::function<void(std::vector<std::string>)> take);

// What the command does with --secret: sign (several: a signature each, standard only) or verify (several: any one
// that matches, for rotation).
enum class SecretUse { sign, verify };
void add_scheme_options(CLI::App* cmd, SchemeFlags& flags, SecretUse use);
// --tolerance DUR.
void add_tolerance_option(CLI::App* cmd, SchemeFlags& flags);

// The scheme the flags name, or the one rule every command shares when they name none: AccuLynx's own, the token
// in the URL, when a secret is given; no verification without one. So the same --secret on both sides just works.
signing::Kind resolved_scheme(const SchemeFlags& flags);

// --topic of a command that selects from the journal by exact name: a warning on stderr when it names no known topic
// (with the nearest); the journal may still hold it (AccuLynx adds topics).
void warn_unknown_topic(const std::string& topic);
// The kind --scheme names, if it was given.
std::optional<signing::Kind> asked_scheme(const SchemeFlags& flags);

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

// -H 'Name: value' arguments, each also @FILE for a file of such lines (what `acx sign` prints; a bare URL line in
// it is skipped). Throws acx::Error (usage) naming the bad argument or line.
util::Headers collect_headers(const std::vector<std::string>& args);

// A validator for http(s) URLs.
CLI::Validator url_validator();
// A forward's URL: an http(s) URL, or a NATS target (nats://HOST:PORT/SUBJECT).
CLI::Validator forward_url_validator();

// Flags whose values are parsed once, as CLI11 reads them, into typed values: a value that does not parse is a usage
// error naming the flag and what was expected. The default shown in --help is the target's value, formatted.
using Duration = std::chrono::milliseconds;
// "300", "90s", "5m", "1h30m", "250ms".
CLI::Option* add_duration_option(CLI::App* cmd, const std::string& name, Duration& target, const std::string& help);
CLI::Option* add_duration_option(CLI::App* cmd, const std::string& name, std::optional<Duration>& target,
                                 const std::string& help);
// A duration that may be negative: "-10m", "90s", "+1h".
CLI::Option* add_signed_duration_option(CLI::App* cmd, const std::string& name, std::optional<Duration>& target,
                                        const std::string& help);
// "65536", "64KiB", "1MiB".
CLI::Option* add_size_option(CLI::App* cmd, const std::string& name, std::size_t& target, const std::string& help);
// An RFC 3339 UTC time, or a duration before now ("90m": ninety minutes ago), taken when the flag is read.
CLI::Option* add_time_option(CLI::App* cmd, const std::string& name, std::optional<util::Instant>& target,
                             const std::string& help);

// --journal FILE, where acx listen writes and the others read.
CLI::Option* add_journal_option(CLI::App* cmd, std::string& journal);
// The journal the flag names, or the default one.
std::string journal_path(const std::string& flag);

// --host, --port (0 picks a free one) and --ready-file, for the commands that serve (listen, sandbox, inspect).
void add_server_options(CLI::App* cmd, std::string& host, int& port, std::string& ready_file);

// Shows a notice from a running service on stderr ("acx: ...", "acx: warning: ..."), flushed.
void print_notice(const util::Notice& notice);

// The parsers behind them, for values that do not come from a flag.
std::optional<Duration> parse_signed_duration(std::string_view text);
std::optional<util::Instant> parse_time_or_ago(std::string_view text);

} // namespace acx::cli
