// acx secret new: a fresh secret in the form a scheme takes, for both sides of a delivery.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/event/json_text.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/error.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

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
