// acx secret new: a fresh secret in the form a scheme takes, for both sides of a delivery.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/json_text.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/error.hpp"
#include "acx/util/time.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

// acx secret rotate: a new secret, and the change that lets the old one verify for a grace period.
void add_rotate(CLI::App* secret, Run& run)
{
  struct Flags {
    std::string scheme = "token";
    Duration grace = std::chrono::hours(24);
    Format format = Format::text;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = secret->add_subcommand(
      "rotate", "A new secret (on stdout) and the change to make so that the old one still verifies for --grace");
  cmd->add_option("--scheme", f->scheme, "Scheme the secret is for")
      ->check(one_of({"token", "standard", "svix", "hmac", "github", "shopify"}, "scheme",
                     "expected token, standard, svix, hmac, github or shopify"))
      ->capture_default_str();
  add_duration_option(cmd, "--grace", f->grace, "How long the old secret keeps verifying (Svix keeps it 24 h)");
  add_format_option(cmd, f->format, FormatDefault::text, std::nullopt, JsonShape::object);
  cmd->callback([&run, f] {
    run = [f] {
      const std::string fresh = signing::new_secret(signing::kind_named(f->scheme));
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(f->grace).count();
      const std::string until = util::format_rfc3339_seconds(util::now().seconds + ms / 1000);
      const std::string flags = fmt::format("--secret \"$NEW\" --previous-secret \"$OLD\" --previous-until {}", until);
      if (f->format == Format::json) {
        fmt::print("{}", event::json_line(nlohmann::ordered_json{
                             {"scheme", f->scheme}, {"secret", fresh}, {"previousUntil", until}, {"listen", flags}}));
        return 0;
      }
      fmt::print("{}\n", fresh);
      fmt::print(stderr,
                 "acx: the new secret is above (NEW); the one in use now is OLD. Until {} both verify:\n"
                 "  acx listen {}\n"
                 "  (or ACX_SECRET=\"$NEW\" ACX_PREVIOUS_SECRET=\"$OLD\" acx listen --previous-until {})\n"
                 "  in a profile's subscription: the new one as token (or signing_secret), the old one as\n"
                 "  previous_token (or previous_signing_secret), previous_until = \"{}\"\n"
                 "Then give the sender NEW. After {} the old one is refused, saying it expired.\n",
                 until, flags, until, until, until);
      return 0;
    };
  });
}

} // namespace

void setup_secret(CLI::App& app, Run& run)
{
  struct Flags {
    std::string scheme = "token";
    bool asymmetric = false;
    Format format = Format::text;
  };
  auto f = std::make_shared<Flags>();
  auto* secret = app.add_subcommand("secret", "Make secrets");
  secret->require_subcommand(1);
  std::vector<std::string> keyed; // the schemes that take a secret
  for (const auto kind : signing::kinds()) {
    if (signing::traits(kind).takes_secret) {
      keyed.emplace_back(signing::traits(kind).name);
    }
  }
  auto* cmd = secret->add_subcommand("new", "Print a fresh random secret (256 bits) in the form the scheme takes");
  cmd->add_option("--scheme", f->scheme, "Scheme the secret is for: standard gives whsec_<base64>, the others hex")
      ->check(one_of(keyed, "scheme", fmt::format("expected one of {}", fmt::join(keyed, ", "))))
      ->capture_default_str();
  cmd->add_flag("--asymmetric", f->asymmetric,
                "An Ed25519 pair (Standard Webhooks v1a) instead: the whsk_ secret key (the sender signs with it) on "
                "the first line, the whpk_ public key (receivers verify with it) on the second");
  add_format_option(cmd, f->format, FormatDefault::text, std::nullopt, JsonShape::object);
  add_rotate(secret, run);
  cmd->callback([&run, f] {
    run = [f] {
      if (f->asymmetric) {
        if (f->scheme != "token" && f->scheme != "standard") {
          throw Error(ExitCode::usage, "--asymmetric keys are Standard Webhooks' (--scheme standard)");
        }
        const auto pair = signing::new_key_pair();
        if (f->format == Format::json) {
          fmt::print("{}",
                     event::json_line(nlohmann::json{
                         {"scheme", "standard"}, {"secretKey", pair.secret_key}, {"publicKey", pair.public_key}}));
        } else {
          fmt::print("{}\n{}\n", pair.secret_key, pair.public_key);
        }
        return 0;
      }
      const std::string s = signing::new_secret(signing::kind_named(f->scheme));
      if (f->format == Format::json) {
        fmt::print("{}", event::json_line(nlohmann::json{{"scheme", f->scheme}, {"secret", s}}));
      } else {
        fmt::print("{}\n", s);
      }
      return 0;
    };
  });
}

} // namespace acx::cli
