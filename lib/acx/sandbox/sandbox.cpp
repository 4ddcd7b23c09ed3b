#include "acx/sandbox/sandbox.hpp"

#include <cstdio>
#include <fmt/format.h>

#include "acx/http/runner.hpp"
#include "acx/sandbox/deliverer.hpp"
#include "acx/sandbox/routes.hpp"
#include "acx/sandbox/store.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/io.hpp"

namespace acx::sandbox {

ExitCode run(const Options& given)
{
  http::Runner runner; // first: every thread started below inherits its signal mask
  Options o = given;
  if (o.data_dir.empty()) {
    o.data_dir = util::xdg_path("XDG_STATE_HOME", ".local/state", "sandbox", "--data-dir");
  }
  if (o.api_keys.empty()) {
    o.api_keys.push_back("sbx_" + util::hex_encode(util::random_bytes(16)));
    fmt::print("{}\n", o.api_keys.back()); // data: the key scripts need
    std::fflush(stdout);
  }
  Store store(o.data_dir);
  Deliverer deliverer(store, o);
  Routes api(store, deliverer, o);
  http::ServerOptions so;
  so.host = o.host;
  so.port = o.port;
  http::Server server(so, api.routes());
  http::Runner::Options ro;
  ro.ready_file = o.ready_file;
  runner.run(server, o.host, ro, [&](int port) {
    fmt::print(stderr, "acx: sandbox API on http://{}:{}{} (state in {}, {} API key{})\n", o.host, port, k_base_path,
               o.data_dir, o.api_keys.size(), o.api_keys.size() == 1 ? "" : "s");
    if (o.chaos) {
      fmt::print(stderr, "acx: --chaos with --chaos-seed {} (give it again to repeat this run's choices)\n",
                 o.chaos_seed);
    }
    std::fflush(stderr);
  });
  return ExitCode::ok;
}

} // namespace acx::sandbox
