// acx inspect: a local web page over the journal: watch, study, diff and replay deliveries.
#include <cstdio>
#include <fmt/format.h>

#include "acx/inspect/inspector.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

void setup_inspect(CLI::App& app, Run& run)
{
  auto o = std::make_shared<inspect::Options>();
  auto* cmd = app.add_subcommand("inspect", "A web page over the journal: watch, study, diff, replay, export");
  add_journal_option(cmd, o->journal);
  add_server_options(cmd, o->host, o->port, o->ready_file);
  cmd->get_option("--ready-file")->description("Write the page's URL (with its access token) here once it answers");
  cmd->add_flag("--open", o->open, "Open the page in a browser");
  cmd->callback([&run, o] {
    run = [o] {
      inspect::Reports reports;
      reports.ready = [](const std::string& url) {
        fmt::print("{}\n", url); // data: the page's address, token included
        std::fflush(stdout);
      };
      reports.notify = print_notice;
      return static_cast<int>(inspect::run(*o, reports));
    };
  });
}

} // namespace acx::cli
