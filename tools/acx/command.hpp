#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace acx::cli {

// What the chosen subcommand will do once parsing has succeeded. Subcommand callbacks only store it, so that acx's
// own errors are raised after CLI11 is done and take the single error path in main().
using Run = std::function<int()>;

void setup_check(CLI::App& app, Run& run);
void setup_events(CLI::App& app, Run& run);
void setup_inspect(CLI::App& app, Run& run);
void setup_listen(CLI::App& app, Run& run);
void setup_forward(CLI::App& app, Run& run);
void setup_replay(CLI::App& app, Run& run);
void setup_sandbox(CLI::App& app, Run& run);
void setup_send(CLI::App& app, Run& run);
void setup_subscribe(CLI::App& app, Run& run);
void setup_trigger(CLI::App& app, Run& run);
void setup_api(CLI::App& app, Run& run);
void setup_reconcile(CLI::App& app, Run& run);
void setup_sign(CLI::App& app, Run& run);
void setup_verify(CLI::App& app, Run& run);
void setup_topics(CLI::App& app, Run& run);
void setup_fixtures(CLI::App& app, Run& run);
void setup_schema(CLI::App& app, Run& run);
void setup_secret(CLI::App& app, Run& run);
void setup_version(CLI::App& app, Run& run);
void setup_completion(CLI::App& app, Run& run);
void setup_man(CLI::App& app, Run& run);

// The examples in the man pages (examples.cpp).
void add_examples(CLI::App& app);

// The whole command line: acx's name, description, help format, footer and every command above.
void define_app(CLI::App& app, Run& run);

} // namespace acx::cli
