// acx secret new: a fresh secret in the form a scheme takes, for both sides of a delivery.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/signing/scheme.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

void setup_secret(CLI::App& app, Run& run)
{
  struct Flags {
    std::string scheme = "token";
    Format format = Format::text;
  };
  auto f = std::make_shared<Flags>();
  auto* secret = app.add_subcommand("secret", "Make secrets");
  secret->require_subcommand(1);
  auto* cmd = secret->add_subcommand("new", "Print a fresh random secret (256 bits) in the form the scheme takes");
  cmd->add_option("--scheme", f->scheme, "Scheme the secret is for: standard gives whsec_<base64>, the others hex")
      ->check(one_of({"standard", "hmac", "github", "shopify", "token"}, "scheme",
                     "expected one of standard, hmac, github, shopify, token"))
      ->capture_default_str();
  add_format_option(cmd, f->format);
  cmd->callback([&run, f] {
    run = [f] {
      const std::string s = signing::new_secret(f->scheme);
      if (f->format == Format::json) {
        fmt::print("{}\n", nlohmann::json{{"scheme", f->scheme}, {"secret", s}}.dump());
      } else {
        fmt::print("{}\n", s);
      }
      return 0;
    };
  });
}

} // namespace acx::cli
