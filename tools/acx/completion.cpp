#include "completion.hpp"

#include <fmt/format.h>
#include <map>

namespace acx::cli {

namespace {

// The command tree reduced to what a shell needs.
struct OptionSpec {
  std::vector<std::string> names; // "--scheme", "-H"
  std::string description;
  bool takes_value = false;
  std::vector<std::string> choices; // empty: complete file names
  bool files = false;               // file names as well as the choices
};

struct CommandSpec {
  std::string path; // "acx fixtures show"
  std::string description;
  std::vector<OptionSpec> options;
  std::vector<std::pair<std::string, std::string>> subcommands; // name, description
  bool has_argument = false;
  std::vector<std::string> argument_choices; // empty with has_argument: files
  bool argument_files = false;               // file names as well as the choices
};

struct Suggestion {
  std::vector<std::string> words;
  bool files = false;
};
std::map<const CLI::Option*, Suggestion>& suggestions()
{
  static std::map<const CLI::Option*, Suggestion> all;
  return all;
}

// CLI11 appends validator descriptions to the type name: "TEXT:{standard,hmac}" -> {standard, hmac}.
std::vector<std::string> choices_of(const CLI::Option* opt)
{
  if (const auto it = suggestions().find(opt); it != suggestions().end()) {
    return it->second.words;
  }
  const std::string type = opt->get_type_name();
  const auto open = type.find('{');
  const auto close = type.find('}', open);
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos) {
    return out;
  }
  std::string item;
  for (std::size_t i = open + 1; i < close; ++i) {
    if (type[i] == ',') {
      out.push_back(item);
      item.clear();
    } else if (type[i] != ' ') {
      item += type[i];
    }
  }
  out.push_back(item);
  // CheckedTransformer shows "{text->0,json->1}"
  for (auto& c : out) {
    c = c.substr(0, c.find("->"));
  }
  return out;
}

// The options of `app` and of its option groups (CLI11's nameless subcommands), into `spec`.
void collect_options(const CLI::App& app, CommandSpec& spec)
{
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->nonpositional()) {
      spec.has_argument = true;
      spec.argument_choices = choices_of(opt);
      spec.argument_files = suggestions().contains(opt) && suggestions().at(opt).files;
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
    o.takes_value = opt->get_expected_max() > 0 && opt->get_type_size_max() > 0;
    o.choices = choices_of(opt);
    o.files = suggestions().contains(opt) && suggestions().at(opt).files;
    spec.options.push_back(std::move(o));
  }
  auto* mutable_app = const_cast<CLI::App*>(&app);
  for (const CLI::App* group : mutable_app->get_subcommands([](CLI::App* s) { return s->get_name().empty(); })) {
    collect_options(*group, spec);
  }
}

void collect(const CLI::App& app, const std::string& path, std::vector<CommandSpec>& out)
{
  CommandSpec spec;
  spec.path = path;
  spec.description = app.get_description();
  collect_options(app, spec);
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

std::string join(const std::vector<std::string>& v, const char* sep = " ")
{
  return fmt::format("{}", fmt::join(v, sep));
}

std::vector<std::string> all_names(const CommandSpec& c)
{
  std::vector<std::string> out;
  for (const auto& o : c.options) {
    out.insert(out.end(), o.names.begin(), o.names.end());
  }
  return out;
}

std::string bash(const std::vector<CommandSpec>& cmds)
{
  std::string walk, lists, values;
  for (const auto& c : cmds) {
    for (const auto& [name, desc] : c.subcommands) {
      walk += fmt::format("      {})\n        cmdpath={};;\n", util::shell_quote(c.path + " " + name),
                          util::shell_quote(c.path + " " + name));
    }
    std::vector<std::string> subs;
    for (const auto& s : c.subcommands) {
      subs.push_back(s.first);
    }
    lists += fmt::format("    {})\n      subs={}; opts={}; args={}; files={};;\n", util::shell_quote(c.path),
                         util::shell_quote(join(subs)), util::shell_quote(join(all_names(c))),
                         util::shell_quote(join(c.argument_choices)),
                         c.has_argument && (c.argument_choices.empty() || c.argument_files) ? 1 : 0);
    for (const auto& o : c.options) {
      if (!o.takes_value) {
        continue;
      }
      for (const auto& n : o.names) {
        values += fmt::format("    {})\n      ", util::shell_quote(c.path + " " + n));
        values += o.choices.empty()
                      ? "COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
                      : fmt::format("COMPREPLY=($(compgen -W {} -- \"$cur\"){}); return;;\n",
                                    util::shell_quote(join(o.choices)), o.files ? " $(compgen -f -- \"$cur\")" : "");
      }
    }
  }
  return fmt::format(R"(# bash completion for acx. Generated by `acx completion bash`: do not edit.
_acx() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
  local cmdpath=acx i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "$cmdpath ${{COMP_WORDS[i]}}" in
{}    esac
  done
  case "$cmdpath $prev" in
{}  esac
  local subs opts args files
  case "$cmdpath" in
{}  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n $subs ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  elif [[ -n $args || $files == 1 ]]; then
    COMPREPLY=($(compgen -W "$args" -- "$cur"))
    [[ $files == 1 ]] && COMPREPLY+=($(compgen -f -- "$cur"))
  else
    COMPREPLY=()
  fi
}}
complete -F _acx acx
)",
                     walk, values + "    *) ;;\n", lists);
}

std::string zsh_escape(const std::string& s)
{
  std::string out;
  for (char ch : s) {
    if (ch == ':') {
      out += "\\:";
    } else if (ch == '\'') {
      out += "'\\''";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string zsh(const std::vector<CommandSpec>& cmds)
{
  std::string walk, values, lists;
  for (const auto& c : cmds) {
    for (const auto& [name, desc] : c.subcommands) {
      walk += fmt::format("      {}) cmdpath={} ;;\n", util::shell_quote(c.path + " " + name),
                          util::shell_quote(c.path + " " + name));
    }
    std::string subs, opts;
    for (const auto& [name, desc] : c.subcommands) {
      subs += fmt::format(" '{}:{}'", zsh_escape(name), zsh_escape(desc));
    }
    for (const auto& o : c.options) {
      for (const auto& n : o.names) {
        opts += fmt::format(" '{}:{}'", zsh_escape(n), zsh_escape(o.description));
      }
      if (o.takes_value) {
        for (const auto& n : o.names) {
          values += fmt::format("    {}) {}; return ;;\n", util::shell_quote(c.path + " " + n),
                                o.choices.empty() ? std::string("_files")
                                                  : "compadd -- " + join(o.choices) + (o.files ? "; _files" : ""));
        }
      }
    }
    std::string arg = !c.has_argument ? "true"
                      : c.argument_choices.empty()
                          ? "_files"
                          : "compadd -- " + join(c.argument_choices) + (c.argument_files ? "; _files" : "");
    lists += fmt::format("    {})\n      subs=({}); opts=({}); argcmd={} ;;\n", util::shell_quote(c.path), subs, opts,
                         util::shell_quote(arg));
  }
  return fmt::format(R"(#compdef acx
# zsh completion for acx. Generated by `acx completion zsh`: do not edit.
_acx() {{
  local cmdpath=acx i
  for ((i = 2; i < CURRENT; i++)); do
    case "$cmdpath ${{words[i]}}" in
{}    esac
  done
  case "$cmdpath ${{words[CURRENT-1]}}" in
{}  esac
  local -a subs opts
  local argcmd
  case "$cmdpath" in
{}  esac
  if [[ ${{words[CURRENT]}} == -* ]]; then
    _describe -t options option opts
  elif (( ${{#subs}} )); then
    _describe -t commands command subs
  else
    eval "$argcmd"
  fi
}}
if [[ "${{funcstack[1]}}" == "_acx" ]]; then
  _acx "$@"
else
  compdef _acx acx
fi
)",
                     walk, values + "    *) ;;\n", lists);
}

std::string fish_quote(const std::string& s)
{
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'' || ch == '\\') {
      out += '\\';
    }
    out += ch;
  }
  return out + "'";
}

std::string fish(const std::vector<CommandSpec>& cmds)
{
  std::string out = "# fish completion for acx. Generated by `acx completion fish`: do not edit.\n"
                    "complete -c acx -f\n";
  for (const auto& c : cmds) {
    // The condition that the command line is inside this command and none of its subcommands.
    std::vector<std::string> words;
    for (std::size_t pos = 4; pos <= c.path.size();) {
      const auto next = c.path.find(' ', pos);
      words.push_back(c.path.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
      if (next == std::string::npos) {
        break;
      }
      pos = next + 1;
    }
    std::string cond;
    for (const auto& w : words) {
      cond += fmt::format("__fish_seen_subcommand_from {}; and ", w);
    }
    std::vector<std::string> subs;
    for (const auto& s : c.subcommands) {
      subs.push_back(s.first);
    }
    cond += subs.empty() ? "true" : "not __fish_seen_subcommand_from " + join(subs);
    if (words.empty()) {
      cond = subs.empty() ? "true" : "__fish_use_subcommand";
    }
    for (const auto& [name, desc] : c.subcommands) {
      out += fmt::format("complete -c acx -n {} -a {} -d {}\n", fish_quote(cond), fish_quote(name), fish_quote(desc));
    }
    for (const auto& o : c.options) {
      std::string flags;
      for (const auto& n : o.names) {
        flags += n.starts_with("--") ? " -l " + n.substr(2) : " -s " + n.substr(1);
      }
      std::string value;
      if (o.takes_value) {
        value = o.choices.empty() ? " -r -F"
                : o.files         ? " -r -F -a " + fish_quote(join(o.choices))
                                  : " -x -a " + fish_quote(join(o.choices));
      }
      out +=
          fmt::format("complete -c acx -n {}{}{} -d {}\n", fish_quote(cond), flags, value, fish_quote(o.description));
    }
    if (c.has_argument) {
      out += fmt::format("complete -c acx -n {} {}\n", fish_quote(cond),
                         c.argument_choices.empty()
                             ? std::string("-F")
                             : (c.argument_files ? "-F -a " : "-a ") + fish_quote(join(c.argument_choices)));
    }
  }
  return out;
}

} // namespace

void suggest(CLI::Option* option, std::vector<std::string> words, bool files)
{
  suggestions()[option] = {std::move(words), files};
}

std::string completion_script(const CLI::App& app, const std::string& shell)
{
  std::vector<CommandSpec> cmds;
  collect(app, "acx", cmds);
  if (shell == "bash") {
    return bash(cmds);
  }
  if (shell == "zsh") {
    return zsh(cmds);
  }
  return fish(cmds);
}

} // namespace acx::cli
