#include "acx/forward/lease.hpp"

#include <fmt/format.h>
#include <random>
#include <unistd.h>

#include "acx/util/error.hpp"
#include "acx/util/thread.hpp"

namespace acx::forward {

namespace {

using Clock = std::chrono::steady_clock;

// How long a lease lasts, how often its holder renews it, how often the others ask for it.
constexpr auto k_lease = std::chrono::milliseconds(10'000);
constexpr auto k_lease_renew = std::chrono::milliseconds(1'000);
constexpr auto k_lease_poll = std::chrono::milliseconds(1'000);

// Who holds a lease: this process, on this host.
std::string lease_holder()
{
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device random;
  return fmt::format("{}:{}:{:08x}", host, ::getpid(), random());
}

} // namespace

LeaseKeeper::LeaseKeeper(journal::Outbox& outbox, std::string consumer, Work work)
    : m_outbox(outbox), m_consumer(std::move(consumer)), m_work(std::move(work)), m_holder(lease_holder())
{
}

void LeaseKeeper::notify(util::Notice::Level level, std::string text) const
{
  if (m_work.notify) {
    m_work.notify({level, std::move(text)});
  }
}

void LeaseKeeper::run(std::stop_token stop)
{
  auto renewed = Clock::now();
  bool said = false;
  for (;;) {
    if (util::pause(stop, m_work.working() ? k_lease_renew : k_lease_poll)) {
      return;
    }
    bool held = false;
    try {
      held = m_outbox.lease(m_consumer, m_holder, k_lease);
      said = false;
    } catch (const std::exception& e) {
      if (!said && m_work.working()) {
        notify(util::Notice::Level::warning,
               fmt::format("{}: cannot renew its lease on the journal: {}", m_consumer, e.what()));
      }
      said = true;
      if (m_work.working() && Clock::now() - renewed < k_lease / 2) {
        continue;
      }
    }
    if (held) {
      renewed = Clock::now();
      if (!m_work.working() && m_work.may_begin()) {
        try {
          m_work.begin();
          notify(util::Notice::Level::info, fmt::format("{}: this listener hands its events over now", m_consumer));
        } catch (const Error& e) { // the database went away meanwhile: the lease runs out, or is taken again
          notify(util::Notice::Level::warning, fmt::format("{}: cannot start handing over: {}", m_consumer, e.what()));
        }
      }
    } else if (m_work.working()) {
      m_work.end();
      notify(util::Notice::Level::info, fmt::format("{}: another listener hands its events over now", m_consumer));
    }
  }
}

void LeaseKeeper::release()
{
  try {
    m_outbox.release(m_consumer, m_holder);
  } catch (const std::exception&) {
    // The lease runs out by itself.
  }
}

} // namespace acx::forward
