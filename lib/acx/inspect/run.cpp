// acx inspect as a command: the page on its own server until a signal, its address, and the private link that opens
// it without its token on any command line.
#include "acx/inspect/inspector.hpp"

#include <cstdlib>
#include <fmt/format.h>

#include "acx/config/paths.hpp"
#include "acx/http/runner.hpp"
#include "acx/inspect/page.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/io.hpp"
#include "acx/util/service.hpp"
#include "acx/util/text.hpp"
#include "acx/util/url.hpp"

namespace acx::inspect {

std::string page_url(const std::string& host, int port, const std::string& token)
{
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}/?token={}", v6 ? "[" : "", host, v6 ? "]" : "", port, token);
}

std::string write_page_link(int port, const std::string& url)
{
  const std::string path = config::state_file(fmt::format("inspect-{}.html", port), "XDG_STATE_HOME");
  const std::string href = util::escape_markup(url);
  util::write_private_file(path,
                           fmt::format("<!doctype html>\n<meta name=\"referrer\" content=\"no-referrer\">\n"
                                       "<meta http-equiv=\"refresh\" content=\"0;url={0}\">\n"
                                       "<title>acx inspect</title><a href=\"{0}\">acx inspect</a>\n",
                                       href),
                           "the inspect page's link");
  return path;
}

ExitCode run(const Options& o, const Reports& reports)
{
  auto notify = [&reports](util::Notice::Level level, std::string text) {
    if (reports.notify) {
      reports.notify({level, std::move(text)});
    }
  };
  http::Runner runner;
  const std::string journal_path = config::journal_path(o.journal);
  journal::Reader::open(journal_path); // a missing journal is an error now, not a page later
  if (!util::is_loopback_host(o.host)) {
    notify(util::Notice::Level::warning,
           fmt::format("--host {} lets other machines reach the page (with the token); deliveries hold customer data",
                       o.host));
  }
  Page page(journal_path, o.host, o.port);
  http::Runner::Options ro;
  ro.before_stop = [&page] { page.end_live(); };
  runner.run(page.server(), o.host, ro, [&](int port) {
    const std::string url = page.url(port);
    if (reports.ready) {
      reports.ready(url);
    }
    notify(util::Notice::Level::info, fmt::format("inspecting {} at http://{}:{}/ (the URL on stdout carries the "
                                                  "access token)",
                                                  journal::shown(journal_path), o.host, port));
    if (!o.ready_file.empty()) {
      util::write_ready_file(o.ready_file, url);
    }
    if (o.open) {
      // The browser is given a private file that leads to the page: no command line ever carries the token.
      const std::string command =
          "xdg-open " + util::shell_quote("file://" + write_page_link(port, url)) + " >/dev/null 2>&1 &";
      if (std::system(command.c_str()) != 0) {
        notify(util::Notice::Level::info, "could not open a browser: open the URL above");
      }
    }
  });
  return ExitCode::ok;
}

} // namespace acx::inspect
