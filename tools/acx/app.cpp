// The command line: acx's description, help format and every command, defined once for main() and for the tests
// that read the tree (the man pages, the completions).
#include <fmt/format.h>

#include "acx/util/error.hpp"
#include "command.hpp"
#include "help.hpp"

namespace acx::cli {

void define_app(CLI::App& app, Run& run)
{
  app.name("acx");
  app.description("acx: receive, verify, journal, test and simulate AccuLynx webhooks.");
  app.formatter(help_formatter()); // before the subcommands: each takes it when added
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("acx ") + ACX_VERSION);
  std::string codes;
  for (const auto& c : exit_codes()) {
    codes += fmt::format("{}{} {}", codes.empty() ? "" : ", ", static_cast<int>(c.code), c.name);
  }
  app.footer(fmt::format("Exit codes: {}. See README.md or man acx.", codes));

  setup_listen(app, run);
  setup_events(app, run);
  setup_inspect(app, run);
  setup_send(app, run);
  setup_replay(app, run);
  setup_check(app, run);
  setup_subscribe(app, run);
  setup_sandbox(app, run);
  setup_sign(app, run);
  setup_verify(app, run);
  setup_secret(app, run);
  setup_topics(app, run);
  setup_fixtures(app, run);
  setup_version(app, run);
  setup_completion(app, run);
  setup_man(app, run); // last: it offers the names of the others
  add_examples(app);
}

} // namespace acx::cli
