#include "acx/inspect/page.hpp"

#include <fmt/format.h>

#include "acx/util/error.hpp"
#include "acx/util/url.hpp"

namespace acx::inspect {

namespace {
constexpr std::size_t k_workers = 16; // page requests at once: a few tabs and their exports
}

Page::Page(const std::string& journal_path, const std::string& host, int port, Inspector::Health health,
           const journal::Writer* writer)
    : m_host(host), m_token(new_token()),
      m_inspector(std::make_unique<Inspector>(journal_path, Guard(m_token, host), std::move(health), writer))
{
  http::ServerOptions so;
  so.host = host;
  so.port = port;
  so.workers = k_workers;
  m_server = std::make_unique<http::Server>(so, m_inspector->routes());
}

Page::~Page()
{
  stop();
}

int Page::start()
{
  try {
    return m_server->start();
  } catch (const Error& e) { // the page's port, not the webhook port: say which
    throw Error(e.code(), fmt::format("the inspect page: {}", e.what()));
  }
}

void Page::end_live()
{
  m_inspector->stop();
}

void Page::stop()
{
  end_live();
  m_server->stop();
}

std::string Page::url(int port) const
{
  const bool loopback = util::is_loopback_host(m_host);
  return page_url(loopback && m_host != "::1" ? "127.0.0.1" : m_host, port, m_token);
}

} // namespace acx::inspect
