#pragma once

// acx reconcile --repair: the event AccuLynx would have sent for each missed change, rebuilt from its API in the
// topic's envelope shape and marked as reconciled (journal::reconciled), ready to be journaled.

#include <map>
#include <string>
#include <vector>

#include "acx/acculynx/api.hpp"
#include "acx/journal/record.hpp"
#include "acx/reconcile/reconcile.hpp"

namespace acx::reconcile {

struct Rebuilt {
  Change change;
  journal::Record record;
};

// Each missed change as a journal record, in the order given. The eventId is journal::change_id of the change, the
// subscriptionId the one `subscription_of[topic]` names (empty when none). Reads what the envelope needs and the change
// does not say: a new job (GET /jobs/{id}) and a milestone's name (the job's milestone history), once per job.
std::vector<Rebuilt> rebuild(acculynx::Api& api, const std::vector<Change>& missed,
                             const std::map<std::string, std::string>& subscription_of);

// Journals the rebuilt records in order, but for those whose change a delivery now matches (it came while they were
// rebuilt). Returns how many were added: none the second time, their eventIds being there already.
std::size_t journal_rebuilt(journal::Writer& writer, journal::Reader& reader, std::vector<Rebuilt> rebuilt,
                            std::chrono::milliseconds tolerance);

} // namespace acx::reconcile
