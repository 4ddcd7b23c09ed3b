#include "options.hpp"

#include "acx/config/config.hpp"
#include "acx/config/paths.hpp"
#include "acx/present/format.hpp"

#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>
#include <sys/stat.h>

#include "acx/event/fixtures.hpp"
#include "acx/event/topics.hpp"
#include "acx/util/error.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "acx/util/url.hpp"

namespace acx::cli {

void add_format_option(CLI::App* cmd, Format& format, FormatDefault by, std::optional<Format> extra, JsonShape shape)
{
  std::vector<std::string> names{"text", "json"};
  const bool raw = extra == Format::raw;
  if (extra) {
    names.emplace_back(raw ? "raw" : "junit");
  }
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  format = by == FormatDefault::by_terminal && !terminal ? Format::json : Format::text;
  const std::string help =
      fmt::format("Output: text (for people{}), json (for programs: {}{}){}",
                  by == FormatDefault::by_terminal ? ", the default on a terminal" : ", the default",
                  shape == JsonShape::lines ? "JSON lines, one a line" : "one JSON object",
                  by == FormatDefault::by_terminal ? "; the default in a pipe" : "",
                  raw     ? ", raw (each body as received, byte for byte)"
                  : extra ? ", junit (JUnit XML, for CI systems)"
                          : "");
  cmd->add_option_function<std::string>(
         "--format",
         [&format](const std::string& name) {
           format = name == "json"    ? Format::json
                    : name == "raw"   ? Format::raw
                    : name == "junit" ? Format::junit
                                      : Format::text;
         },
         help)
      ->check(one_of(names, "format", fmt::format("expected {}", fmt::join(names, ", "))));
}

CLI::Validator one_of(std::vector<std::string> choices, std::string what, std::string hint)
{
  const std::string description = fmt::format("{{{}}}", fmt::join(choices, ","));
  return CLI::Validator(
      [choices = std::move(choices), what = std::move(what), hint = std::move(hint)](const std::string& value) {
        if (std::find(choices.begin(), choices.end(), value) != choices.end()) {
          return std::string();
        }
        const auto near = util::closest(value, choices);
        return fmt::format("unknown {} '{}': {}{}", what, util::excerpt(value),
                           near ? fmt::format("did you mean '{}'? ", *near) : "", hint);
      },
      description);
}

std::vector<std::string> catalog_topic_names()
{
  std::vector<std::string> out;
  for (const auto& t : event::topics()) {
    if (!t.legacy) {
      out.emplace_back(t.name);
    }
  }
  return out;
}

std::vector<std::string> fixture_topic_names()
{
  std::vector<std::string> out;
  for (auto n : event::fixture_topics()) {
    out.emplace_back(n);
  }
  return out;
}

std::optional<std::string> did_you_mean(const CLI::App& cmd)
{
  for (const std::string& word : cmd.remaining()) {
    std::vector<std::string> names;
    if (word.starts_with("-")) {
      const std::string flag = word.substr(0, word.find('='));
      auto add_names = [&names](const CLI::App& app) {
        for (const CLI::Option* o : app.get_options()) {
          for (const auto& n : o->get_lnames()) {
            names.push_back("--" + n);
          }
        }
      };
      add_names(cmd);
      for (const CLI::App* group : cmd.get_subcommands([](const CLI::App* s) { return s->get_name().empty(); })) {
        add_names(*group); // option groups
      }
      if (auto near = util::closest(flag, names)) {
        return fmt::format("unknown option '{}': did you mean '{}'?", util::excerpt(flag), *near);
      }
      continue;
    }
    for (const CLI::App* sub : cmd.get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); })) {
      names.push_back(sub->get_name());
    }
    if (auto near = util::closest(word, names)) {
      return fmt::format("unknown command '{}': did you mean '{}'?", util::excerpt(word), *near);
    }
  }
  return std::nullopt;
}

std::vector<std::string> read_secret_file(const std::string& path)
{
  const std::string text = util::read_input(path, 64u << 10);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    fmt::print(stderr, "acx: warning: {} holds secrets but others may read it (mode {:o}): chmod 600 it\n",
               util::printable(path), st.st_mode & 0777);
  }
  std::vector<std::string> out;
  for (auto line : util::split(text, '\n')) {
    line = util::trim(line);
    if (!line.empty() && line.front() != '#') {
      out.emplace_back(line);
    }
  }
  if (out.empty()) {
    throw Error(ExitCode::bad_input, fmt::format("{} holds no secret", util::printable(path)));
  }
  return out;
}

CLI::Option* add_secret_file_option(CLI::App* cmd, const std::string& name, const std::string& help,
                                    std::function<void(std::vector<std::string>)> take)
{
  return cmd->add_option_function<std::string>(
      name, [take = std::move(take)](const std::string& path) { take(read_secret_file(path)); }, help);
}

void add_scheme_options(CLI::App* cmd, SchemeFlags& flags, SecretUse use)
{
  flags.signs = use == SecretUse::sign;
  cmd->add_option("--scheme", flags.scheme, "Signature scheme (AccuLynx's own is token: a secret in the URL)")
      ->check(one_of(signing::scheme_names(), "scheme",
                     fmt::format("expected one of {}", fmt::join(signing::scheme_names(), ", "))))
      ->default_str("token with a secret, else none");
  cmd->add_option("--secret", flags.secrets,
                  use == SecretUse::verify ? "Secret; repeat for rotation (any one that matches verifies)"
                                           : "Secret to sign with; repeat for a signature each (standard)")
      ->envname("ACX_SECRET")
      ->allow_extra_args(false);
  add_secret_file_option(cmd, "--secret-file", "Read the secret(s) from FILE, one a line: kept out of the process list",
                         [&flags](std::vector<std::string> secrets) {
                           flags.secrets.insert(flags.secrets.end(), secrets.begin(), secrets.end());
                         });
  if (use == SecretUse::verify) {
    cmd->add_option("--previous-secret", flags.previous,
                    "A secret being rotated out: it verifies too, until --previous-until (repeatable)")
        ->envname("ACX_PREVIOUS_SECRET")
        ->allow_extra_args(false);
    cmd->add_option(
        "--previous-until", flags.previous_until,
        "When --previous-secret stops verifying (RFC 3339: 2026-12-08T18:00:00Z); refused after, saying so");
  }
  cmd->add_option("--hmac-header", flags.hmac_header, "hmac schemes: header name (default X-Acx-Signature)");
  cmd->add_option("--hmac-prefix", flags.hmac_prefix, "hmac schemes: prefix before the digest (default sha256=)");
  cmd->add_option("--hmac-encoding", flags.hmac_encoding, "hmac schemes: digest encoding")
      ->check(one_of({"hex", "base64"}, "encoding", "expected hex or base64"));
}

void add_tolerance_option(CLI::App* cmd, SchemeFlags& flags)
{
  add_duration_option(cmd, "--tolerance", flags.tolerance, "standard: accepted clock difference, past or future");
}

std::unique_ptr<signing::Scheme> make_scheme(const SchemeFlags& flags)
{
  return signing::make_scheme(scheme_options(flags));
}

std::optional<signing::Kind> asked_scheme(const SchemeFlags& flags)
{
  if (flags.scheme.empty()) {
    return std::nullopt;
  }
  return signing::kind_named(flags.scheme);
}

signing::Kind resolved_scheme(const SchemeFlags& flags)
{
  if (auto kind = asked_scheme(flags)) {
    return *kind;
  }
  return flags.secrets.empty() ? signing::Kind::none : signing::Kind::token;
}

namespace {

// Unix seconds of an RFC 3339 time; a usage error naming `where` otherwise.
std::int64_t until_of(const std::string& text, const std::string& where)
{
  std::string why;
  const auto t = util::parse_rfc3339_utc(text, &why);
  if (!t) {
    throw Error(ExitCode::usage,
                fmt::format("{}: '{}' is not a time: say 2026-12-08T18:00:00Z ({})", where, util::excerpt(text), why));
  }
  return t->seconds;
}

// The secrets being rotated out, each with its time.
std::vector<signing::Previous> previous_secrets(const SchemeFlags& flags)
{
  if (flags.previous.empty() != flags.previous_until.empty()) {
    throw Error(ExitCode::usage, flags.previous.empty()
                                     ? "--previous-until says when --previous-secret stops verifying: give both"
                                     : "--previous-secret needs --previous-until TIME: when it stops verifying");
  }
  std::vector<signing::Previous> out;
  for (const auto& s : flags.previous) {
    out.push_back({signing::Secret(s), until_of(flags.previous_until, "--previous-until")});
  }
  for (const auto& [s, until] : flags.rotated) {
    out.push_back({signing::Secret(s), until_of(until, "a subscription's previous_until")});
  }
  return out;
}

} // namespace

signing::SchemeOptions scheme_options(const SchemeFlags& flags)
{
  signing::SchemeOptions o;
  o.kind = resolved_scheme(flags);
  for (const auto& s : flags.secrets) {
    o.secrets.emplace_back(s);
  }
  o.previous = previous_secrets(flags);
  o.tolerance = std::chrono::duration_cast<std::chrono::seconds>(flags.tolerance);
  const auto& traits = signing::traits(o.kind);
  if (flags.signs && o.secrets.size() > 1 && o.kind != signing::Kind::standard && o.kind != signing::Kind::svix) {
    throw Error(ExitCode::usage, fmt::format("--scheme {} carries one {}: give one secret (--secret or a line of "
                                             "--secret-file), not {}; only standard lists a signature per secret",
                                             traits.name, traits.kind == signing::Kind::token ? "token" : "signature",
                                             o.secrets.size()));
  }
  if (!traits.hmac_family &&
      (!flags.hmac_header.empty() || !flags.hmac_prefix.empty() || !flags.hmac_encoding.empty())) {
    throw Error(ExitCode::usage,
                fmt::format("--hmac-* options apply to the hmac, github and shopify schemes, not {}", traits.name));
  }
  if (!flags.hmac_header.empty()) {
    o.hmac_header = flags.hmac_header;
  }
  if (!flags.hmac_prefix.empty()) {
    o.hmac_prefix = flags.hmac_prefix;
  }
  if (!flags.hmac_encoding.empty()) {
    o.hmac_encoding = flags.hmac_encoding == "hex" ? signing::Encoding::hex : signing::Encoding::base64;
  }
  return o;
}

util::Headers collect_headers(const std::vector<std::string>& args)
{
  util::Headers out;
  for (const auto& arg : args) {
    std::vector<std::string_view> lines;
    std::string file;
    if (arg.starts_with("@")) {
      file = util::read_input(arg.substr(1), 1u << 20);
      lines = util::split(file, '\n');
    } else {
      lines.emplace_back(arg);
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string_view line = lines[i];
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      if (util::trim(line).empty() ||
          (!file.empty() && line.find("://") != std::string_view::npos && line.find(':') == line.find("://"))) {
        continue; // blank lines, and in a file the bare URL line that `acx sign --scheme token` prints
      }
      auto h = util::parse_header_line(line);
      if (!h) {
        throw Error(ExitCode::usage, file.empty()
                                         ? fmt::format("-H '{}': expected 'Name: value'", util::excerpt(line))
                                         : fmt::format("{} line {}: expected 'Name: value'", arg.substr(1), i + 1));
      }
      out.add(std::move(h->name), std::move(h->value));
    }
  }
  return out;
}

CLI::Validator url_validator()
{
  return CLI::Validator(
      [](const std::string& value) {
        std::string why;
        return util::parse_url(value, &why) ? std::string()
                                            : fmt::format("'{}' is not a URL: {}", util::redact_url(value), why);
      },
      "URL");
}

CLI::Validator forward_url_validator()
{
  return CLI::Validator(
      [](const std::string& value) {
        const auto problem = config::forward_url_problem(value);
        return problem ? fmt::format("'{}' {}", util::redact_url(value), *problem) : std::string();
      },
      "URL");
}

std::optional<std::chrono::milliseconds> parse_signed_duration(std::string_view text)
{
  const bool negative = text.starts_with("-");
  if (negative || text.starts_with("+")) {
    text.remove_prefix(1);
  }
  const auto d = util::parse_duration(text);
  if (!d) {
    return std::nullopt;
  }
  return negative ? -*d : *d;
}

std::optional<util::Instant> parse_time_or_ago(std::string_view text)
{
  if (auto t = util::parse_rfc3339_utc(text)) {
    return t;
  }
  const auto ago = util::parse_duration(text);
  if (!ago) {
    return std::nullopt;
  }
  util::Instant now = util::now();
  now.seconds -= std::chrono::duration_cast<std::chrono::seconds>(*ago).count();
  return now;
}

namespace {

// NAME VALUE: `parse` reads the value once, `store` keeps it; nullopt from `parse` is a usage error saying `expected`.
template <class T, class Parse, class Store>
CLI::Option* add_parsed_option(CLI::App* cmd, const std::string& name, const std::string& help, const char* type,
                               std::string expected, Parse parse, Store store)
{
  return cmd
      ->add_option_function<std::string>(
          name,
          [name, parse, store, expected](const std::string& value) {
            std::optional<T> parsed = parse(value);
            if (!parsed) {
              throw CLI::ValidationError(name, fmt::format("expected {}, got '{}'", expected, util::excerpt(value)));
            }
            store(std::move(*parsed));
          },
          help)
      ->type_name(type);
}

constexpr const char* k_duration_expected = "a duration such as 300s, 5m or 1h30m";

} // namespace

CLI::Option* add_duration_option(CLI::App* cmd, const std::string& name, Duration& target, const std::string& help)
{
  return add_parsed_option<Duration>(cmd, name, help, "DURATION", k_duration_expected, util::parse_duration,
                                     [&target](Duration d) { target = d; })
      ->default_str(util::format_duration(target));
}

CLI::Option* add_duration_option(CLI::App* cmd, const std::string& name, std::optional<Duration>& target,
                                 const std::string& help)
{
  return add_parsed_option<Duration>(cmd, name, help, "DURATION", k_duration_expected, util::parse_duration,
                                     [&target](Duration d) { target = d; });
}

CLI::Option* add_signed_duration_option(CLI::App* cmd, const std::string& name, std::optional<Duration>& target,
                                        const std::string& help)
{
  return add_parsed_option<Duration>(cmd, name, help, "DURATION", "a duration such as -10m or 90s",
                                     parse_signed_duration, [&target](Duration d) { target = d; });
}

CLI::Option* add_size_option(CLI::App* cmd, const std::string& name, std::size_t& target, const std::string& help)
{
  const std::string shown = target % (1u << 20) == 0   ? fmt::format("{}MiB", target >> 20)
                            : target % (1u << 10) == 0 ? fmt::format("{}KiB", target >> 10)
                                                       : std::to_string(target);
  return add_parsed_option<std::size_t>(cmd, name, help, "SIZE", "a size such as 1MiB or 65536", util::parse_size,
                                        [&target](std::size_t n) { target = n; })
      ->default_str(shown);
}

CLI::Option* add_journal_option(CLI::App* cmd, std::string& journal)
{
  return cmd
      ->add_option("--journal", journal,
                   "Journal: a file (default ${XDG_STATE_HOME:-~/.local/state}/acx/journal.db), or a PostgreSQL "
                   "database shared by several listeners, postgresql://user@host/db (password from PGPASSWORD or "
                   "~/.pgpass)")
      ->envname("ACX_JOURNAL");
}

std::string journal_path(const std::string& flag)
{
  return config::journal_path(flag);
}

void add_server_options(CLI::App* cmd, std::string& host, int& port, std::string& ready_file)
{
  cmd->add_option("--host", host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--ready-file", ready_file, "Write host:port here once accepting connections");
}

CLI::Option* add_time_option(CLI::App* cmd, const std::string& name, std::optional<util::Instant>& target,
                             const std::string& help)
{
  return add_parsed_option<util::Instant>(cmd, name, help, "TIME",
                                          "an RFC 3339 time such as 2026-05-26T14:00:00Z or a duration such as 2h",
                                          parse_time_or_ago, [&target](util::Instant t) { target = t; });
}

void print_notice(const util::Notice& notice)
{
  const std::string line = present::format_notice(notice);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void warn_unknown_topic(const std::string& topic)
{
  if (topic.empty() || event::find_topic(topic) != nullptr) {
    return;
  }
  const std::string why = event::unmatched_topic(topic, "--topic");
  fmt::print(stderr, "acx: warning: {}\n",
             why.empty() ? fmt::format("'{}' (--topic) is a pattern; --topic here takes one topic's exact name",
                                       util::excerpt(topic))
                         : why);
}

} // namespace acx::cli
