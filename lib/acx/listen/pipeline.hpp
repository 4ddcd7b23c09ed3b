#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "acx/contract/contract.hpp"
#include "acx/http/message.hpp"
#include "acx/http/server.hpp"
#include "acx/journal/journal.hpp"
#include "acx/listen/metrics.hpp"
#include "acx/signing/scheme.hpp"

namespace acx::listen {

// A delivery that was refused, for the diagnostic line on stderr.
struct RefusedNote {
  std::string remote;
  Refusal reason;
  std::string detail;
};

// The path of one delivery: verify -> parse and validate -> allow-list -> journal append -> answer. The answer is a
// 2xx only once the delivery is in the journal as durably as the journal promises.
class Pipeline {
public:
  // Who gets in: the scheme that verifies deliveries and the subscriptionIds accepted (lower case; empty: any).
  struct Admission {
    std::shared_ptr<const signing::Scheme> scheme;
    std::set<std::string> subscriptions;
    // --contract: the schemas each delivery is checked against (none: off), and whether a delivery that differs is
    // refused (422) rather than accepted with its drift recorded.
    std::shared_ptr<const contract::Contract> contract;
    bool refuse_drift = false;
  };

  Pipeline(Admission admission, journal::Writer& journal, Metrics& metrics,
           std::function<void(const RefusedNote&)> on_refused);

  // Replaces who gets in, from the next delivery on (a profile reloaded); safe while deliveries are handled.
  void admit(Admission admission);

  // Checks the delivery here and now, then calls `reply` once the journal has its outcome (on the journal's
  // thread). Never blocks.
  void handle(http::Request request, http::Reply reply) const;
  // The same, waiting for the answer.
  http::Response handle(http::Request request) const;

private:
  // Journals the refused delivery (bounded), notes it, and answers `status` with the reason (and `extra` fields).
  void refuse(http::Request& request, int status, Refusal reason, std::string detail, journal::Record record,
              const http::Reply& reply, nlohmann::ordered_json extra = {}) const;
  // The answer to an accepted delivery once the journal has stored it, or could not.
  http::Response stored(const journal::Appended& stored, const std::string& remote, const std::string& event_id) const;

  // Swapped by admit() while requests read it: a mutex around the pointer (libstdc++ 12's atomic<shared_ptr> guards
  // its pointer with a lock bit ThreadSanitizer does not see, and it reports a race on every reload).
  mutable std::mutex m_admission_mutex;
  std::shared_ptr<const Admission> m_admission;
  journal::Writer& m_journal;
  Metrics& m_metrics;
  std::function<void(const RefusedNote&)> m_on_refused;
};

} // namespace acx::listen
