#pragma once

#include <memory>
#include <string>

#include "acx/http/server.hpp"
#include "acx/inspect/inspector.hpp"

namespace acx::inspect {

// The page as a running server: an Inspector over a journal, behind a Guard with a fresh token, on an http::Server
// of its own. What `acx inspect` serves, and what `acx listen --inspect` starts beside its webhook port (never on it:
// a tunnel to the webhook port must not expose the page).
class Page {
public:
  Page(const std::string& journal_path, const std::string& host, int port, Inspector::Health health = {},
       const journal::Writer* writer = nullptr);
  // Stops, as stop() does.
  ~Page();
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;

  // Starts answering; returns the port. Throws acx::Error when it cannot bind.
  int start();
  // Ends the live requests waiting for news, then stops the server. Idempotent.
  void stop();
  // Ends the live requests only (before http::Runner stops the server).
  void end_live();

  http::Server& server() { return *m_server; }
  // The page's URL on `port`, the token in it: for the private link file and --ready-file, never for a log.
  std::string url(int port) const;

private:
  std::string m_host;
  std::string m_token;
  std::unique_ptr<Inspector> m_inspector;
  std::unique_ptr<http::Server> m_server;
};

} // namespace acx::inspect
