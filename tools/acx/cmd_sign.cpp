// acx sign: print the headers (or URL) that sign a body under a scheme.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/json_text.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/io.hpp"
#include "acx/util/time.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

struct SignOptions {
  SchemeFlags scheme;
  std::string id;
  std::int64_t timestamp = 0;
  std::string url;
  std::string input = "-";
  Format format = Format::text;
};

int run_sign(const SignOptions& o)
{
  if (resolved_scheme(o.scheme) == signing::Kind::token && o.url.empty()) {
    throw Error(ExitCode::usage, "--scheme token puts the secret in the URL: give the consumer URL with --url");
  }
  const auto scheme = make_scheme(o.scheme);
  const std::string body = util::read_input(o.input);
  signing::SignRequest request{body, o.id.empty() ? "msg_" + util::hex_encode(util::random_bytes(12)) : o.id,
                               o.timestamp != 0 ? o.timestamp : util::now_unix(), o.url};
  const signing::Signature sig = scheme->sign(request);

  if (o.format == Format::json) {
    nlohmann::ordered_json out{{"scheme", scheme->name()}, {"headers", nlohmann::ordered_json::object()}};
    for (const auto& h : sig.headers) {
      out["headers"][h.name] = h.value;
    }
    if (!o.url.empty()) {
      out["url"] = sig.url;
    }
    fmt::print("{}", event::json_line(out));
    return 0;
  }
  for (const auto& h : sig.headers) {
    fmt::print("{}: {}\n", h.name, h.value);
  }
  if (sig.url != o.url) {
    fmt::print("{}\n", sig.url);
  }
  return 0;
}

} // namespace

void setup_sign(CLI::App& app, Run& run)
{
  auto o = std::make_shared<SignOptions>();
  auto* cmd = app.add_subcommand("sign", "Print the headers that sign a body (one 'Name: value' per line)");
  add_scheme_options(cmd, o->scheme, SecretUse::sign);
  cmd->add_option("--id", o->id, "Message id for schemes that carry one (default: a fresh msg_ id)");
  cmd->add_option("--timestamp", o->timestamp, "Unix seconds for schemes that carry one (default: now)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--url", o->url, "Consumer URL; --scheme token prints it with the token added");
  add_format_option(cmd, o->format, FormatDefault::text, std::nullopt, JsonShape::object);
  cmd->add_option("file", o->input, "Body to sign, - for standard input")->capture_default_str();
  cmd->callback([&run, o] { run = [o] { return run_sign(*o); }; });
}

} // namespace acx::cli
