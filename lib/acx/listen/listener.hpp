#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "acx/forward/consumer.hpp"
#include "acx/http/server.hpp"
#include "acx/journal/journal.hpp"
#include "acx/listen/printer.hpp"
#include "acx/signing/scheme.hpp"
#include "acx/util/error.hpp"

namespace acx::listen {

struct ListenOptions {
  http::ServerOptions server;
  std::string path = "/webhooks/acculynx";
  bool token_in_path = false; // also accept path + "/<token>" (subscriptions made with --secret-in path)
  signing::SchemeOptions scheme;
  std::set<std::string> subscriptions; // lower-case; empty: any
  std::set<std::string> topics;        // shown on stdout; empty: all
  std::string journal;                 // empty: journal::default_path()
  journal::Durability durability = journal::Durability::disk;
  OutputFormat format = OutputFormat::json;
  bool color = false;
  std::size_t count = 0; // exit after this many accepted (and shown) events; 0: run until stopped
  std::optional<std::chrono::milliseconds> timeout;
  std::string ready_file;
  // With --profile: reads the scheme and subscriptions again, on SIGHUP and whenever `watch` (the config file)
  // changes; what it throws is printed and the previous ones kept.
  std::function<std::pair<signing::SchemeOptions, std::set<std::string>>()> reload;
  std::string watch;
  // Consumers of the journal (--forward-to, --exec, the profile's routes): each gets every accepted event.
  std::vector<forward::Consumer> consumers;
  forward::Options forwarding;
  // listen --inspect: the page over this journal, in-process, on its own port (never the webhook port).
  std::optional<int> inspect_port;
};

// Runs the listener until SIGINT/SIGTERM, --count or --timeout: binds, journals, answers, prints. Returns the exit
// code (ok, or timeout when --count events did not arrive in time). Throws acx::Error when it cannot start.
ExitCode run(const ListenOptions& options);

} // namespace acx::listen
