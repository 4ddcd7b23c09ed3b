// acx version: the version, the commit and the libraries acx was built with (and runs with, where they differ).
#include <CLI/Version.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "acx/config/config.hpp"
#include "acx/event/json_text.hpp"
#include "acx/http/client.hpp"
#include "acx/http/server.hpp"
#include "acx/pg/pg.hpp"
#include "acx/sqlite/sqlite.hpp"
#include "acx/util/build.hpp"
#include "acx/util/crypto.hpp"
#include "command.hpp"
#include "options.hpp"

namespace acx::cli {

namespace {

std::vector<util::Library> libraries()
{
  const auto same = [](const char* name, const std::string& v) { return util::Library{name, v, v}; };
  return {util::openssl_library(),
          sqlite::library(),
          pg::library(),
          http::server_library(),
          http::client_library(),
          config::toml_library(),
          same("nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                            NLOHMANN_JSON_VERSION_PATCH)),
          same("fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)),
          same("CLI11", CLI11_VERSION)};
}

int print_version(Format format)
{
  const auto& b = util::build();
  if (format == Format::json) {
    nlohmann::json libs = nlohmann::json::object();
    for (const auto& l : libraries()) {
      libs[l.name] = {{"built_with", l.built_with}, {"running", l.running}};
    }
    fmt::print("{}", event::json_line(nlohmann::json{
                         {"version", b.version}, {"commit", b.commit}, {"date", b.date}, {"libraries", libs}}));
    return 0;
  }
  fmt::print("acx {}\ncommit {}{}\n", b.version, b.commit, b.date.empty() ? "" : " (" + b.date + ")");
  for (const auto& l : libraries()) {
    // OpenSSL says "OpenSSL 3.0.17 1 Jul 2025": its own name is not repeated.
    const auto bare = [&l](const std::string& v) {
      return v.starts_with(l.name + " ") ? v.substr(l.name.size() + 1) : v;
    };
    fmt::print("{:<14}{}{}\n", l.name, bare(l.built_with),
               l.running == l.built_with ? "" : fmt::format(" (running {})", bare(l.running)));
  }
  return 0;
}

} // namespace

void setup_version(CLI::App& app, Run& run)
{
  auto format = std::make_shared<Format>(Format::text);
  auto* cmd = app.add_subcommand("version", "Print acx's version, commit and the library versions it was built with");
  add_format_option(cmd, *format, FormatDefault::text, std::nullopt, JsonShape::object);
  cmd->callback([&run, format] { run = [format] { return print_version(*format); }; });
}

} // namespace acx::cli
