// acx completion bash|zsh|fish: print a completion script generated from the command tree.
#include <fmt/format.h>

#include "command.hpp"
#include "completion.hpp"

namespace acx::cli {

void setup_completion(CLI::App& app, Run& run)
{
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  cmd->add_option("shell", *shell, "Shell")
      ->required()
      ->check(one_of({"bash", "zsh", "fish"}, "shell", "expected bash, zsh or fish"));
  cmd->footer("bash: source <(acx completion bash)   zsh: source <(acx completion zsh)   "
              "fish: acx completion fish | source");
  cmd->callback([&run, &app, shell] {
    run = [&app, shell] {
      fmt::print("{}", completion_script(app, *shell));
      return 0;
    };
  });
}

} // namespace acx::cli
