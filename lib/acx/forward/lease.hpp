#pragma once

#include <functional>
#include <stop_token>
#include <string>

#include "acx/journal/outbox.hpp"
#include "acx/util/notice.hpp"

namespace acx::forward {

// A consumer's lease on a shared journal: the listeners sharing it hand the consumer's events over one at a time,
// the one holding the lease. Takes it when it is free, renews it every second while working, and stops the work when
// it cannot (another listener took it, or the database was out of reach for half the lease's time: by then another
// may take it). A holder that dies is taken over within the lease's 10 s.
class LeaseKeeper {
public:
  // What it drives: whether the work runs, whether it may begin (the consumer did not stop), begin it (throws
  // acx::Error when the database went away meanwhile), end it.
  struct Work {
    std::function<bool()> working;
    std::function<bool()> may_begin;
    std::function<void()> begin;
    std::function<void()> end;
    util::Notify notify;
  };

  LeaseKeeper(journal::Outbox& outbox, std::string consumer, Work work);
  // Keeps the lease until `stop` is asked.
  void run(std::stop_token stop);
  // Gives the lease up (it runs out by itself when this fails).
  void release();

private:
  void notify(util::Notice::Level level, std::string text) const;
  journal::Outbox& m_outbox;
  std::string m_consumer;
  Work m_work;
  std::string m_holder; // this process, on this host
};

} // namespace acx::forward
