#pragma once

// The journal in a PostgreSQL database (several listeners share it; a schema of its own, NOTIFY at each commit).
// Only the family's open.cpp includes this: every other file sees journal::Writer, Reader, Outbox and Pruner.

#include <memory>
#include <string>

#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/prune.hpp"

namespace acx::journal::in_postgres {

std::unique_ptr<Writer> open_writer(const std::string& uri, WriterOptions options);
std::unique_ptr<Reader> open_reader(const std::string& uri);
std::unique_ptr<Outbox> open_outbox(const std::string& uri);
std::unique_ptr<Pruner> open_pruner(const std::string& uri);

} // namespace acx::journal::in_postgres
