#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acx/http/server.hpp"
#include "acx/inspect/guard.hpp"
#include "acx/journal/journal.hpp"
#include "acx/util/error.hpp"
#include "acx/util/notice.hpp"

namespace acx::inspect {

// The page over a journal: the list (filters in the URL, newest first, paged through everything, live over
// server-sent events), one delivery in detail, the diff of two, replay, and exports (NDJSON, HAR). Server-rendered
// HTML that works without JavaScript; a small embedded script adds live rows. Every route is behind the Guard.
class Inspector {
public:
  // `health`: the listener's health in detail (what /healthz?verbose says), shown at /health; none for acx inspect.
  using Health = std::function<std::string()>;
  // `writer`: the listener's (acx listen --inspect), whose commits wake the live rows; none for acx inspect, whose
  // live rows look every 200 ms.
  Inspector(std::string journal_path, Guard guard, Health health = {}, const journal::Writer* writer = nullptr);
  ~Inspector();
  // For an http::Server; they refer to this object, which must outlive the server.
  std::vector<http::Route> routes();
  // Ends the live requests waiting for news, so that the server can stop without waiting for them.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

struct Options {
  std::string journal; // empty: the default journal
  std::string host = "127.0.0.1";
  int port = 8789;
  std::string ready_file; // gets the page's URL, token included
  bool open = false;      // open it in a browser (xdg-open)
};

// Writes a small private HTML file (mode 0600, in the state directory) that leads the browser to `url`, and returns
// its path: how the page is opened without its token on any command line or terminal.
std::string write_page_link(int port, const std::string& url);

// What acx inspect reports to the command that runs it.
struct Reports {
  std::function<void(const std::string& url)> ready; // the page answers at this URL (the token in it): data
  util::Notify notify;                               // lines for a person
};

// acx inspect: serves the page until SIGINT/SIGTERM. Throws acx::Error when it cannot start.
ExitCode run(const Options& options, const Reports& reports);

// The page's URL for `host`:`port`, with the token.
std::string page_url(const std::string& host, int port, const std::string& token);

} // namespace acx::inspect
