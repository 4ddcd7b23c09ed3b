// acx: receive, test and simulate AccuLynx webhooks. This file only wires the subcommands and maps failures to
// exit codes (see acx/util/error.hpp).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <system_error>

#include "acx/util/error.hpp"
#include "command.hpp"
#include "help.hpp"

int main(int argc, char** argv)
{
  using acx::ExitCode;
  CLI::App app;
  acx::cli::Run run;
  acx::cli::define_app(app, run);
  app.failure_message([argc, argv](const CLI::App* cmd, const CLI::Error& e) {
    // Point at the help of the deepest subcommand that was reached, and say what was wrong in acx's words.
    std::string path = cmd->get_name();
    const CLI::App* deepest = cmd;
    for (auto subs = cmd->get_subcommands(); !subs.empty(); subs = subs.front()->get_subcommands()) {
      deepest = subs.front();
      path += " " + deepest->get_name();
    }
    const std::string what = acx::cli::in_our_words(e, *deepest, {argv, static_cast<std::size_t>(argc)});
    return fmt::format("acx: error: {}\nRun '{} --help' for more information.\n", what, path);
  });

  // A peer that closes its socket while acx writes is an error code on that write, not the end of acx; a reader of
  // stdout that stops early (head) ends acx quietly below, as a pipe's writer is ended by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);

  // One way out for every failure, parsing included (an option may read a file while it is parsed).
  try {
    app.parse(argc, argv);
    const int rc = run ? run() : 0;
    std::fflush(stdout);
    return rc;
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::usage);
  } catch (const acx::Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "acx: error: {}\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::broken_pipe) {
      return 128 + SIGPIPE;
    }
    fmt::print(stderr, "acx: error: internal: {}\n", e.what());
    return static_cast<int>(ExitCode::internal);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "acx: error: internal: {}\n", e.what());
    return static_cast<int>(ExitCode::internal);
  }
}
