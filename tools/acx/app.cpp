// The command line: acx's description, help format and every command, defined once for main() and for the tests
// that read the tree (the man pages, the completions); and main() itself, which maps failures to exit codes.
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <system_error>

#include "acx/util/error.hpp"
#include "command.hpp"
#include "entry.hpp"
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
  setup_forward(app, run);
  setup_events(app, run);
  setup_inspect(app, run);
  setup_send(app, run);
  setup_replay(app, run);
  setup_check(app, run);
  setup_subscribe(app, run);
  setup_sandbox(app, run);
  setup_trigger(app, run);
  setup_api(app, run);
  setup_reconcile(app, run);
  setup_sign(app, run);
  setup_verify(app, run);
  setup_secret(app, run);
  setup_topics(app, run);
  setup_fixtures(app, run);
  setup_schema(app, run);
  setup_version(app, run);
  setup_completion(app, run);
  setup_man(app, run); // last: it offers the names of the others
  add_examples(app);
}

namespace {

// How many words name `cmd` after acx: 0 for acx itself, 1 for acx events.
std::size_t path_length(const CLI::App& cmd)
{
  std::size_t n = 0;
  for (const CLI::App* c = cmd.get_parent(); c != nullptr; c = c->get_parent()) {
    ++n;
  }
  return n;
}

} // namespace

int main(int argc, char** argv)
{
  CLI::App app;
  Run run;
  define_app(app, run);
  app.failure_message([argc, argv](const CLI::App* cmd, const CLI::Error& e) {
    // Point at the help of the deepest subcommand that was reached, and say what was wrong in acx's words.
    std::string path = cmd->get_name();
    const CLI::App* deepest = cmd;
    for (auto subs = cmd->get_subcommands(); !subs.empty(); subs = subs.front()->get_subcommands()) {
      deepest = subs.front();
      path += " " + deepest->get_name();
    }
    const std::string what = in_our_words(e, *deepest, {argv, static_cast<std::size_t>(argc)});
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
    // A command of commands given none (plain `acx`, `acx events`): its help, as --help would print it.
    const CLI::App* deepest = &app;
    for (auto subs = app.get_subcommands(); !subs.empty(); subs = subs.front()->get_subcommands()) {
      deepest = subs.front();
    }
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && deepest->get_require_subcommand_min() > 0 &&
        deepest->get_subcommands().empty() && argc == 1 + static_cast<int>(path_length(*deepest))) {
      std::string parents; // "acx" for acx fixtures: the usage line names the whole command, as --help does
      for (const CLI::App* c = deepest->get_parent(); c != nullptr; c = c->get_parent()) {
        parents = c->get_name() + (parents.empty() ? "" : " " + parents);
      }
      fmt::print("{}", deepest->help(parents));
      return 0;
    }
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
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

} // namespace acx::cli
