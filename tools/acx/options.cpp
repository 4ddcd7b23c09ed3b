#include "options.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "acx/util/error.hpp"
#include "acx/util/time.hpp"

namespace acx::cli {

void add_format_option(CLI::App* cmd, Format& format)
{
  static const std::map<std::string, Format> k_formats{{"text", Format::text}, {"json", Format::json}};
  cmd->add_option("--format", format, "Output format: text or json")
      ->transform(CLI::CheckedTransformer(k_formats))
      ->default_str("text");
}

CLI::Validator duration_validator()
{
  return CLI::Validator(
      [](const std::string& value) {
        return util::parse_duration(value)
                   ? std::string()
                   : fmt::format("expected a duration such as 300s, 5m or 1h30m, got '{}'", value);
      },
      "DURATION");
}

CLI::Validator one_of(std::vector<std::string> choices, std::string what, std::string hint)
{
  const std::string description = fmt::format("{{{}}}", fmt::join(choices, ","));
  return CLI::Validator(
      [choices = std::move(choices), what = std::move(what), hint = std::move(hint)](const std::string& value) {
        return std::find(choices.begin(), choices.end(), value) != choices.end()
                   ? std::string()
                   : fmt::format("unknown {} '{}': {}", what, value, hint);
      },
      description);
}

void add_scheme_options(CLI::App* cmd, SchemeFlags& flags, SecretCount count)
{
  cmd->add_option("--scheme", flags.scheme, "Signature scheme")
      ->check(one_of(signing::scheme_names(), "scheme",
                     fmt::format("expected one of {}", fmt::join(signing::scheme_names(), ", "))))
      ->capture_default_str();
  auto* secret = cmd->add_option("--secret", flags.secrets,
                                 count == SecretCount::several
                                     ? "Secret; repeat for rotation (any one that matches verifies). Env: ACX_SECRET"
                                     : "Secret to sign with. Env: ACX_SECRET")
                     ->envname("ACX_SECRET");
  secret->allow_extra_args(false);
  if (count == SecretCount::one) {
    secret->expected(1);
  }
  cmd->add_option("--hmac-header", flags.hmac_header, "hmac schemes: header name (default X-Acx-Signature)");
  cmd->add_option("--hmac-prefix", flags.hmac_prefix, "hmac schemes: prefix before the digest (default sha256=)");
  cmd->add_option("--hmac-encoding", flags.hmac_encoding, "hmac schemes: digest encoding")
      ->check(CLI::IsMember({"hex", "base64"}));
}

void add_tolerance_option(CLI::App* cmd, SchemeFlags& flags)
{
  cmd->add_option("--tolerance", flags.tolerance, "standard: accepted clock difference, past or future")
      ->check(duration_validator())
      ->capture_default_str();
}

std::unique_ptr<signing::Scheme> make_scheme(const SchemeFlags& flags)
{
  return signing::make_scheme(scheme_options(flags));
}

signing::SchemeOptions scheme_options(const SchemeFlags& flags)
{
  signing::SchemeOptions o;
  o.name = flags.scheme;
  for (const auto& s : flags.secrets) {
    o.secrets.emplace_back(s);
  }
  o.tolerance = std::chrono::duration_cast<std::chrono::seconds>(*util::parse_duration(flags.tolerance));
  const bool hmac_family = flags.scheme == "hmac" || flags.scheme == "github" || flags.scheme == "shopify";
  if (!hmac_family && (!flags.hmac_header.empty() || !flags.hmac_prefix.empty() || !flags.hmac_encoding.empty())) {
    throw Error(ExitCode::usage,
                fmt::format("--hmac-* options apply to the hmac, github and shopify schemes, not {}", flags.scheme));
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

} // namespace acx::cli
