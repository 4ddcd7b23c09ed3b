#pragma once

#include <cstdint>
#include <vector>

#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"

namespace acx::forward {

// The accepted events that stand as `state` with a consumer, in journal order (for acx events list --consumer).
// Pending takes in those queued again by acx events retry and, above the consumer's watermark, every event of its
// topics not yet marked delivered or dead.
std::vector<std::int64_t> standing(journal::Reader& reader, journal::Outbox& outbox, const journal::ConsumerInfo& info,
                                   journal::Handed state);

} // namespace acx::forward
