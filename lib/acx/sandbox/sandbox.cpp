#include "acx/sandbox/sandbox.hpp"

#include <fmt/format.h>

#include "acx/config/paths.hpp"
#include "acx/http/runner.hpp"
#include "acx/sandbox/api_routes.hpp"
#include "acx/sandbox/company.hpp"
#include "acx/sandbox/deliverer.hpp"
#include "acx/sandbox/gate.hpp"
#include "acx/sandbox/records.hpp"
#include "acx/sandbox/routes.hpp"
#include "acx/sandbox/store.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/encoding.hpp"
#include "acx/util/io.hpp"

namespace acx::sandbox {

ExitCode run(const Options& given, const Reports& reports)
{
  auto notify = [&reports](std::string text) {
    if (reports.notify) {
      reports.notify({util::Notice::Level::info, std::move(text)});
    }
  };
  http::Runner runner; // first: every thread started below inherits its signal mask
  Options o = given;
  if (o.data_dir.empty()) {
    o.data_dir = config::state_file("sandbox", "--data-dir");
  }
  if (o.api_keys.empty()) {
    o.api_keys.push_back("sbx_" + util::hex_encode(util::random_bytes(16)));
    if (reports.key_made) {
      reports.key_made(o.api_keys.back()); // data: the key scripts need
    }
  }
  Store store(o.data_dir);
  Records records(o.data_dir + "/sandbox.db");
  Deliverer deliverer(store, o, reports.notify);
  Company company(records, store, deliverer);
  Gate gate(o);
  Routes webhooks(store, company, deliverer, gate, o);
  ApiRoutes api(records, company, gate, o);
  auto routes = webhooks.routes();
  for (auto& route : api.routes()) {
    routes.push_back(std::move(route));
  }
  http::ServerOptions so;
  so.host = o.host;
  so.port = o.port;
  http::Server server(so, std::move(routes));
  http::Runner::Options ro;
  ro.ready_file = o.ready_file;
  runner.run(server, o.host, ro, [&](int port) {
    notify(fmt::format("sandbox on http://{}:{} ({} and {}; state in {}, {} API key{})", o.host, port, k_base_path,
                       k_api_path, o.data_dir, o.api_keys.size(), o.api_keys.size() == 1 ? "" : "s"));
    if (o.chaos || o.drop > 0) {
      notify(fmt::format("{} with --seed {} (give it again to repeat this run's choices)",
                         o.chaos ? "--chaos" : "--drop", o.seed));
    }
  });
  return ExitCode::ok;
}

} // namespace acx::sandbox
