// acx verify: check a body's signature (or URL token) and say precisely why it fails.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/json_text.hpp"
#include "acx/util/io.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct VerifyOptions {
  SchemeFlags scheme;
  std::vector<std::string> headers;
  std::string url;
  std::int64_t now = 0;
  std::string input = "-";
  Format format = Format::text;
};

// Whether the URL's path is acx listen's default one (/webhooks/acculynx), which holds no token segment.
bool ends_at_listen_path(std::string_view url)
{
  url = url.substr(0, url.find('?'));
  while (url.ends_with('/')) {
    url.remove_suffix(1);
  }
  return url.ends_with("/webhooks/acculynx");
}

int run_verify(const VerifyOptions& o)
{
  if (o.scheme.scheme.empty() && o.scheme.secrets.empty()) {
    throw Error(ExitCode::usage, "acx verify needs the secret to check with: --secret (or --secret-file, or "
                                 "ACX_SECRET): the token, or with --scheme that scheme's secret");
  }
  const auto scheme = make_scheme(o.scheme);
  const util::Headers headers = collect_headers(o.headers);
  const std::string body = util::read_input(o.input);
  const signing::Verdict v = scheme->verify(signing::Message{body, headers, o.url, !ends_at_listen_path(o.url)},
                                            o.now != 0 ? o.now : util::now_unix());

  if (o.format == Format::json) {
    nlohmann::ordered_json out{{"verified", v.ok()},
                               {"scheme", scheme->name()},
                               {"reason", signing::reason_name(v.reason)},
                               {"detail", v.detail}};
    fmt::print("{}", event::json_line(out));
  } else if (v.ok()) {
    fmt::print("verified\n");
  } else {
    fmt::print(stderr, "acx: not verified ({}): {}\n", signing::reason_name(v.reason), v.detail);
  }
  return static_cast<int>(v.ok() ? ExitCode::ok : ExitCode::failed);
}

} // namespace

void setup_verify(CLI::App& app, Run& run)
{
  auto o = std::make_shared<VerifyOptions>();
  auto* cmd = app.add_subcommand("verify", "Verify a body's signature; exit 1 with the reason when it fails");
  add_scheme_options(cmd, o->scheme, SecretUse::verify);
  add_tolerance_option(cmd, o->scheme);
  cmd->add_option("-H,--header", o->headers, "Header 'Name: value' as received, or @FILE of such lines")
      ->allow_extra_args(false);
  cmd->add_option("--url", o->url, "The URL the delivery came to (--scheme token reads the token there)");
  cmd->add_option("--now", o->now, "Check the timestamp against this Unix time instead of the clock")
      ->check(CLI::PositiveNumber);
  add_format_option(cmd, o->format, FormatDefault::text, std::nullopt, JsonShape::object);
  cmd->add_option("file", o->input, "Body as received, - for standard input")->capture_default_str();
  cmd->callback([&run, o] { run = [o] { return run_verify(*o); }; });
}

} // namespace acx::cli
