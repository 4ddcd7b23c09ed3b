#include "manual.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

#include "acx/config/config.hpp"
#include "acx/util/build.hpp"
#include "acx/util/error.hpp"
#include "command_tree.hpp"

namespace acx::cli {

namespace {

// Text for roff: a backslash is \e, and a line that would start with . or ' (a request) starts with \& instead.
std::string text(const std::string& s)
{
  std::string out;
  bool line_start = true;
  for (char ch : s) {
    if (line_start && (ch == '.' || ch == '\'')) {
      out += "\\&";
    }
    out += ch == '\\' ? std::string("\\e") : std::string(1, ch);
    line_start = ch == '\n';
  }
  return out;
}

// A command line or an option's name: hyphens are minus signs (\-), so it can be copied from the page.
std::string literal(const std::string& s)
{
  std::string out;
  for (char ch : text(s)) {
    out += ch == '-' ? std::string("\\-") : std::string(1, ch);
  }
  return out;
}

std::string header(const std::string& name, const std::string& description, int section = 1)
{
  std::string upper;
  for (char ch : name) {
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  const auto& b = util::build();
  return fmt::format(".TH {} {} \"{}\" \"acx {}\" \"{}\"\n.nh\n.ad l\n.SH NAME\n{} \\- {}\n", literal(upper), section,
                     b.date, b.version, section == 5 ? "File Formats" : "User Commands", literal(name),
                     text(description));
}

std::string option_entry(const OptionSpec& o)
{
  std::string names;
  for (const auto& n : o.names) {
    names += fmt::format("{}\\fB{}\\fR", names.empty() ? "" : ", ", literal(n));
  }
  return fmt::format(".TP\n{}{}\n{}\n", names, literal(o.value), text(o.description));
}

// The options of `c`, those of an option group under a subsection of the group's name.
std::string options_of(const CommandSpec& c, const char* subsection)
{
  std::string out;
  std::vector<std::string> groups{""};
  for (const auto& o : c.options) {
    if (std::find(groups.begin(), groups.end(), o.group) == groups.end()) {
      groups.push_back(o.group);
    }
  }
  for (const auto& g : groups) {
    if (!g.empty()) {
      out += fmt::format("{} \"{}\"\n", subsection, text(g));
    }
    for (const auto& o : c.options) {
      out += o.group == g ? option_entry(o) : "";
    }
  }
  return out;
}

std::string synopsis(const CommandSpec& c)
{
  std::string out = fmt::format(".B {}\n", literal(c.path));
  if (!c.subcommands.empty()) {
    out += ".I command\n";
  }
  out += ".RI [ options ]\n";
  if (c.has_argument) {
    const std::string arg = c.argument + (c.argument_repeats ? " ..." : "");
    out += c.argument_required ? fmt::format(".I {}\n", literal(arg)) : fmt::format(".RI [ {} ]\n", literal(arg));
  }
  return out + ".br\n";
}

std::string argument_of(const CommandSpec& c)
{
  if (!c.has_argument) {
    return {};
  }
  return fmt::format(".TP\n\\fI{}\\fR\n{}\n", literal(c.argument), text(c.argument_description));
}

std::string examples_of(const CommandSpec& c)
{
  std::string out;
  for (const auto& e : c.examples) {
    out += fmt::format(".PP\n{}\n.PP\n.RS 4\n.EX\n{}\n.EE\n.RE\n", text(e.what), literal(e.command_line));
  }
  return out;
}

std::string exit_status()
{
  std::string out = ".SH EXIT STATUS\n";
  for (const auto& c : exit_codes()) {
    std::string meaning = c.meaning; // README.md's words: `code` is Markdown there
    std::erase(meaning, '`');
    out += fmt::format(".TP\n.B {}\n{}\n", static_cast<int>(c.code), text(meaning));
  }
  return out;
}

// A command's page: its options, then each subcommand (and theirs) with its own, then its examples.
ManPage command_page(const std::vector<CommandSpec>& tree, std::size_t at)
{
  const CommandSpec& c = tree[at];
  const std::string name = "acx-" + c.path.substr(4);
  std::string synopses, commands, examples = examples_of(c);
  for (std::size_t i = at; i < tree.size() && (i == at || tree[i].path.starts_with(c.path + " ")); ++i) {
    const CommandSpec& s = tree[i];
    if (s.subcommands.empty()) {
      synopses += synopsis(s);
    }
    if (i != at) {
      commands += fmt::format(".SS \"{}\"\n{}\n", literal(s.path), text(s.description));
      commands += s.footer.empty() ? "" : fmt::format(".PP\n{}\n", text(s.footer));
      commands += argument_of(s) + options_of(s, ".TP\n.I");
      examples += examples_of(s);
    }
  }
  std::string out = header(name, c.description) + ".SH SYNOPSIS\n" + (synopses.empty() ? synopsis(c) : synopses);
  out += fmt::format(".SH DESCRIPTION\n{}\n", text(c.description));
  out += c.footer.empty() ? "" : fmt::format(".PP\n{}\n", text(c.footer));
  if (c.has_argument || !c.options.empty()) {
    out += ".SH OPTIONS\n" + argument_of(c) + options_of(c, ".SS");
  }
  if (!commands.empty()) {
    out += ".SH COMMANDS\n" + commands;
  }
  out += exit_status();
  if (!examples.empty()) {
    out += ".SH EXAMPLES\n" + examples;
  }
  const bool configured = std::any_of(c.options.begin(), c.options.end(), [](const OptionSpec& o) {
    return std::find(o.names.begin(), o.names.end(), "--config") != o.names.end();
  });
  out += configured ? ".SH SEE ALSO\n.BR acx (1),\n.BR acx.toml (5)\n" : ".SH SEE ALSO\n.BR acx (1)\n";
  return {name, out};
}

// The environment variables options read (from the tree), and those acx reads besides.
std::string environment(const std::vector<CommandSpec>& tree)
{
  std::map<std::string, std::set<std::string>> readers; // variable -> "--secret of acx listen, ..."
  for (const auto& c : tree) {
    for (const auto& o : c.options) {
      if (!o.env.empty()) {
        readers[o.env].insert(o.names.front());
      }
    }
  }
  std::string out = ".SH ENVIRONMENT\n";
  for (const auto& [variable, names] : readers) {
    out += fmt::format(".TP\n.B {}\nThe value of {} when the flag is not given.\n", literal(variable),
                       literal(fmt::format("{}", fmt::join(names, ", "))));
  }
  const std::pair<const char*, const char*> others[] = {
      {"ACX_API_BASE", "The AccuLynx API's base URL, when --api-base is not given and the profile names none."},
      {"XDG_CONFIG_HOME", "Where the config file is: $XDG_CONFIG_HOME/acx/config.toml (default ~/.config)."},
      {"XDG_STATE_HOME",
       "Where the journal and the sandbox's state are: $XDG_STATE_HOME/acx (default ~/.local/state)."},
      {"NO_COLOR", "When set and not empty, no colour on a terminal."},
      {"PGPASSWORD", "The PostgreSQL password for a --journal postgresql:// URI without one (or ~/.pgpass)."},
      {"NOTIFY_SOCKET", "Set by systemd for a Type=notify service: acx listen, inspect and sandbox say READY=1 there "
                        "once they serve, RELOADING=1 on SIGHUP and STOPPING=1 when they stop."},
  };
  for (const auto& [variable, what] : others) {
    out += fmt::format(".TP\n.B {}\n{}\n", literal(variable), literal(what));
  }
  return out;
}

ManPage acx_page(const std::vector<CommandSpec>& tree)
{
  const CommandSpec& root = tree.front();
  // The NAME line is acx's description, "acx: receive, ... webhooks.", without its name and full stop.
  std::string name_line = root.description.substr(root.description.starts_with("acx: ") ? 5 : 0);
  if (name_line.ends_with('.')) {
    name_line.pop_back();
  }
  std::string out = header("acx", name_line);
  out += ".SH SYNOPSIS\n.B acx\n.I command\n.RI [ options ]\n.br\n.B acx\n.RB [ \\-\\-help | \\-\\-version ]\n";
  out += ".SH DESCRIPTION\n" +
         text("AccuLynx notifies other systems by HTTP POST when something happens to a job, a contact or an invoice. "
              "acx receives those deliveries and journals each one durably before it answers (acx listen), "
              "forwards them to your app, relays them to a laptop, simulates and re-delivers them (acx send, acx "
              "replay), judges your own receiver (acx check), manages subscriptions (acx subscribe) and emulates "
              "AccuLynx locally (acx sandbox).") +
         "\n.PP\n" +
         text("Data goes to standard output and diagnostics to standard error; --format json asks for JSON where a "
              "command prints data. acx never prompts.") +
         "\n.SH COMMANDS\n";
  for (const auto& [name, description] : root.subcommands) {
    out += fmt::format(".TP\n.BR acx\\-{} (1)\n{}\n", literal(name), text(description));
  }
  out += ".SH OPTIONS\n" + options_of(root, ".SS") + exit_status() + environment(tree);
  out += ".SH FILES\n";
  const std::pair<const char*, const char*> files[] = {
      {"~/.config/acx/config.toml", "Profiles: the API's base and key, subscriptions with their tokens, routes. "
                                    "Written with mode 0600 by acx subscribe; refused when others may write it."},
      {"~/.local/state/acx/journal.db", "The journal: every delivery acx listen accepted (SQLite)."},
      {"/etc/acx/NAME.toml", "The config of the service acx-listen@NAME (systemd), handed to it as a credential: "
                             "its keys are in acx.toml(5)."},
  };
  for (const auto& [file, what] : files) {
    out += fmt::format(".TP\n.I {}\n{}\n", literal(file), text(what));
  }
  out += ".SH EXAMPLES\n" + examples_of(root);
  out += ".SH SEE ALSO\n";
  for (const auto& command : root.subcommands) {
    out += fmt::format(".BR acx\\-{} (1),\n", literal(command.first));
  }
  out += ".BR acx.toml (5)\n";
  return {"acx", out};
}

// A filled text line in source lines of at most 80 bytes (mandoc's style), broken at spaces: roff joins them again.
// A word longer than that stays whole; a piece that would start with . or ' is escaped as text() does.
std::string wrapped(std::string_view line)
{
  std::string out;
  while (line.size() > 80) {
    std::size_t at = line.rfind(' ', 80);
    while (at != std::string_view::npos && at > 0 && line[at - 1] == '\\') { // "\ " is a space that must not break
      at = at == 1 ? std::string_view::npos : line.rfind(' ', at - 2);
    }
    if (at == std::string_view::npos || at == 0) {
      break;
    }
    out.append(line.substr(0, at)).push_back('\n');
    line.remove_prefix(at + 1);
    if (!line.empty() && (line.front() == '.' || line.front() == '\'')) {
      out += "\\&";
    }
  }
  return out.append(line);
}

// acx.toml(5): the config file's keys (config::keys), for ~/.config/acx/config.toml and a service's /etc/acx/NAME.toml.
ManPage config_page()
{
  std::string out = header("acx.toml", "acx's config file: profiles, routes and subscriptions", 5);
  out += ".SH SYNOPSIS\n.I ~/.config/acx/config.toml\n.br\n.I /etc/acx/NAME.toml\n";
  out += ".SH DESCRIPTION\n" +
         text("A TOML file of named profiles. acx subscribe writes it (mode 0600, to a new file renamed into place); "
              "acx listen --profile NAME (default: default) reads what to verify, forward, relay and keep from it, "
              "and acx subscribe, subscriptions and sandbox read the API's base and key. The service "
              "acx-listen@NAME (systemd) runs acx listen --profile default on /etc/acx/NAME.toml, handed to it as a "
              "credential; a changed file takes effect on systemctl restart, and systemctl reload re-reads the copy "
              "the service was given.") +
         "\n.PP\n" +
         text("Flags given on the command line win over the profile's keys. The file holds secrets (tokens, keys): "
              "acx warns when others may read it and refuses it when others may write it. Keys acx does not know "
              "are ignored.") +
         "\n";
  std::string_view table;
  for (const auto& k : config::keys()) {
    if (k.table != table) {
      table = k.table;
      out += fmt::format(".SH \"{}\"\n", text(std::string(table)));
    }
    out += fmt::format(".TP\n.B {}\n({}) {}\n", literal(std::string(k.name)), text(std::string(k.type)),
                       text(std::string(k.what)));
  }
  out += ".SH EXAMPLES\n.RS 4\n.EX\n" +
         literal("[profiles.default]\njournal = \"postgresql://acx@db.internal/acx\"\nretain = \"30d\"\n\n"
                 "[[profiles.default.forward]]\nurl = \"http://127.0.0.1:3000/webhooks/jobs\"\n"
                 "topics = [\"job.*\"]\nname = \"jobs\"") +
         "\n.EE\n.RE\n";
  out += ".SH SEE ALSO\n.BR acx (1),\n.BR acx\\-listen (1),\n.BR acx\\-subscribe (1),\n.BR systemd.exec (5)\n";
  return {"acx.toml", out, 5};
}

// The page without the paragraph breaks that mean nothing where the pieces met (a .PP or .br right after a heading, or
// right before a heading, a list item or another break): mandoc -Tlint warns of each.
ManPage tidy(ManPage page)
{
  const auto starts = [](std::string_view line, std::initializer_list<std::string_view> macros) {
    return std::any_of(macros.begin(), macros.end(), [&](std::string_view m) {
      return line.starts_with(m) && (line.size() == m.size() || line[m.size()] == ' ');
    });
  };
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < page.roff.size();) {
    const std::size_t end = std::min(page.roff.find('\n', at), page.roff.size());
    lines.push_back(std::string_view(page.roff).substr(at, end - at));
    at = end + 1;
  }
  std::string out;
  std::string_view previous;
  bool literal = false; // in .EX/.EE: lines as they are
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view next = i + 1 < lines.size() ? lines[i + 1] : std::string_view(".SH");
    if (starts(lines[i], {".PP", ".br"}) &&
        (starts(previous, {".SH", ".SS"}) || starts(next, {".SH", ".SS", ".TP", ".PP", ".br"}))) {
      continue;
    }
    literal = starts(lines[i], {".EX"}) || (literal && !starts(lines[i], {".EE"}));
    const bool text = !lines[i].starts_with('.') && !literal && !starts(previous, {".TP"});
    out.append(text ? wrapped(lines[i]) : std::string(lines[i])).push_back('\n');
    previous = lines[i];
  }
  page.roff = std::move(out);
  return page;
}

} // namespace

std::vector<ManPage> man_pages(const CLI::App& app)
{
  const auto tree = command_tree(app);
  std::vector<ManPage> out{tidy(acx_page(tree))};
  for (std::size_t i = 1; i < tree.size(); ++i) {
    if (tree[i].path.find(' ', 4) == std::string::npos) { // a command, not a subcommand's
      out.push_back(tidy(command_page(tree, i)));
    }
  }
  out.push_back(tidy(config_page()));
  return out;
}

} // namespace acx::cli
