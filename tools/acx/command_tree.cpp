#include "command_tree.hpp"

#include <map>

#include "help.hpp"

namespace acx::cli {

namespace {

struct Suggestion {
  std::vector<std::string> words;
  bool files = false;
};
std::map<const CLI::Option*, Suggestion>& suggestions()
{
  static std::map<const CLI::Option*, Suggestion> all;
  return all;
}

std::map<const CLI::App*, std::vector<Example>>& all_examples()
{
  static std::map<const CLI::App*, std::vector<Example>> all;
  return all;
}

bool suggests_files(const CLI::Option* opt)
{
  const auto it = suggestions().find(opt);
  return it != suggestions().end() && it->second.files;
}

// The words a shell offers for `opt`: those suggest() gave, else the choices its validator lists.
std::vector<std::string> choices_of(const CLI::Option* opt)
{
  if (const auto it = suggestions().find(opt); it != suggestions().end()) {
    return it->second.words;
  }
  return choices_in(opt->get_type_name());
}

void take_argument(const CLI::Option* opt, CommandSpec& spec)
{
  spec.has_argument = true;
  spec.argument = opt->get_name();
  spec.argument_description = opt->get_description();
  spec.argument_required = opt->get_required();
  spec.argument_repeats = opt->get_items_expected_max() > 1;
  spec.argument_choices = choices_of(opt);
  spec.argument_files = suggests_files(opt);
}

// The options of `app` and of its option groups (CLI11's nameless subcommands), into `spec`.
void collect_options(const CLI::App& app, const std::string& group, CommandSpec& spec)
{
  static const auto formatter = help_formatter();
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->nonpositional()) {
      take_argument(opt, spec);
      continue;
    }
    OptionSpec o;
    for (const auto& l : opt->get_lnames()) {
      o.names.push_back("--" + l);
    }
    for (const auto& s : opt->get_snames()) {
      o.names.push_back("-" + s);
    }
    o.description = opt->get_description();
    o.value = formatter->make_option_opts(opt);
    o.group = group;
    o.env = opt->get_envname();
    o.takes_value = opt->get_expected_max() > 0 && opt->get_type_size_max() > 0;
    o.choices = choices_of(opt);
    o.files = suggests_files(opt);
    spec.options.push_back(std::move(o));
  }
  auto* mutable_app = const_cast<CLI::App*>(&app);
  for (const CLI::App* g : mutable_app->get_subcommands([](CLI::App* s) { return s->get_name().empty(); })) {
    collect_options(*g, g->get_group(), spec);
  }
}

void collect(const CLI::App& app, const std::string& path, std::vector<CommandSpec>& out)
{
  CommandSpec spec;
  spec.path = path;
  spec.description = app.get_description();
  // A subcommand takes its parent's footer when it is made (acx's exit codes): shown once, on acx(1).
  spec.footer = app.get_parent() != nullptr && app.get_parent()->get_footer() == app.get_footer() ? std::string()
                                                                                                  : app.get_footer();
  collect_options(app, "", spec);
  if (const auto it = all_examples().find(&app); it != all_examples().end()) {
    spec.examples = it->second;
  }
  auto* mutable_app = const_cast<CLI::App*>(&app);
  const auto subs = mutable_app->get_subcommands([](CLI::App* s) { return !s->get_name().empty(); });
  for (const CLI::App* sub : subs) {
    spec.subcommands.emplace_back(sub->get_name(), sub->get_description());
  }
  out.push_back(spec);
  for (const CLI::App* sub : subs) {
    collect(*sub, path + " " + sub->get_name(), out);
  }
}

} // namespace

void suggest(CLI::Option* option, std::vector<std::string> words, bool files)
{
  suggestions()[option] = {std::move(words), files};
}

void examples(CLI::App* cmd, std::vector<Example> list)
{
  all_examples()[cmd] = std::move(list);
}

std::vector<CommandSpec> command_tree(const CLI::App& app, const std::string& root)
{
  std::vector<CommandSpec> out;
  collect(app, root, out);
  return out;
}

} // namespace acx::cli
