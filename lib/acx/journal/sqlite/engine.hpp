#pragma once

// The journal in an SQLite file (one listener writes it; WAL, group commits, a text index).
// Only the family's open.cpp includes this: every other file sees journal::Writer, Reader, Outbox and Pruner.

#include <memory>
#include <string>

#include "acx/journal/journal.hpp"
#include "acx/journal/outbox.hpp"
#include "acx/journal/prune.hpp"

namespace acx::journal::in_sqlite {

std::unique_ptr<Writer> open_writer(const std::string& path, WriterOptions options);
std::unique_ptr<Reader> open_reader(const std::string& path);
std::unique_ptr<Outbox> open_outbox(const std::string& path);
std::unique_ptr<Pruner> open_pruner(const std::string& path);

} // namespace acx::journal::in_sqlite
