// The man pages are made from the command tree that parses the flags: every flag of every command and subcommand is
// on its command's page, and every command has a page.
#include <doctest/doctest.h>
#include <set>

#include "command.hpp"
#include "manual.hpp"

namespace {

// A name as roff writes it: hyphens are \-.
std::string in_roff(const std::string& s)
{
  std::string out;
  for (char ch : s) {
    out += ch == '-' ? std::string("\\-") : std::string(1, ch);
  }
  return out;
}

// Every long option name of `app`, its option groups and its subcommands, with the command line it belongs to.
void long_names(const CLI::App& app, const std::string& path, std::vector<std::pair<std::string, std::string>>& out)
{
  for (const CLI::Option* opt : app.get_options()) {
    for (const auto& l : opt->get_lnames()) {
      out.emplace_back(path, "--" + l);
    }
  }
  auto* mutable_app = const_cast<CLI::App*>(&app);
  for (const CLI::App* sub : mutable_app->get_subcommands([](CLI::App*) { return true; })) {
    long_names(*sub, sub->get_name().empty() ? path : path + " " + sub->get_name(), out);
  }
}

} // namespace

TEST_CASE("cli: every flag of every command is on its man page")
{
  CLI::App app;
  acx::cli::Run run;
  acx::cli::define_app(app, run);
  std::map<std::string, std::string> pages;
  for (auto& p : acx::cli::man_pages(app)) {
    pages[p.name] = p.roff;
  }
  REQUIRE(pages.contains("acx"));
  std::size_t flags = 0;
  for (const CLI::App* cmd : app.get_subcommands([](CLI::App* s) { return !s->get_name().empty(); })) {
    const std::string name = "acx-" + cmd->get_name();
    INFO(name);
    REQUIRE(pages.contains(name));
    CHECK(pages["acx"].find(".BR acx\\-" + in_roff(cmd->get_name()) + " (1)") != std::string::npos);
    std::vector<std::pair<std::string, std::string>> names;
    long_names(*cmd, "acx " + cmd->get_name(), names);
    for (const auto& [path, flag] : names) {
      INFO(path << " " << flag);
      const auto section =
          pages[name].find(path == "acx " + cmd->get_name() ? ".SH OPTIONS" : ".SS \"" + in_roff(path));
      REQUIRE(section != std::string::npos);
      CHECK(pages[name].find("\\fB" + in_roff(flag) + "\\fR", section) != std::string::npos);
      ++flags;
    }
  }
  CHECK(flags > 200); // the walk saw the tree, not an empty one
}

TEST_CASE("cli: man pages escape what roff would take for requests")
{
  CLI::App app;
  acx::cli::Run run;
  acx::cli::define_app(app, run);
  for (const auto& p : acx::cli::man_pages(app)) {
    INFO(p.name);
    std::size_t start = 0;
    for (std::size_t end = p.roff.find('\n'); end != std::string::npos; end = p.roff.find('\n', start)) {
      const std::string line = p.roff.substr(start, end - start);
      start = end + 1;
      if (line.starts_with(".") && !line.starts_with(".\\")) {
        // a request: one acx writes itself
        static const std::set<std::string> known{".TH", ".SH", ".SS", ".TP", ".PP", ".RS", ".RE", ".EX", ".EE",
                                                 ".B",  ".I",  ".BR", ".RI", ".RB", ".br", ".nh", ".ad"};
        CHECK(known.contains(line.substr(0, line.find(' '))));
      }
      CHECK(!line.starts_with("'"));
    }
  }
}
