// One journal location, one engine: a postgresql:// URI is a database, anything else a file. The only place that
// knows both engines.
#include "acx/journal/postgres/engine.hpp"
#include "acx/journal/sqlite/engine.hpp"
#include "acx/pg/pg.hpp"

namespace acx::journal {

bool is_database(const std::string& location)
{
  return pg::is_uri(location);
}

std::unique_ptr<Writer> Writer::open(const std::string& location, WriterOptions options)
{
  return is_database(location) ? in_postgres::open_writer(location, options)
                               : in_sqlite::open_writer(location, options);
}

std::unique_ptr<Reader> Reader::open(const std::string& location)
{
  return is_database(location) ? in_postgres::open_reader(location) : in_sqlite::open_reader(location);
}

std::unique_ptr<Outbox> Outbox::open(const std::string& location)
{
  return is_database(location) ? in_postgres::open_outbox(location) : in_sqlite::open_outbox(location);
}

std::unique_ptr<Pruner> Pruner::open(const std::string& location)
{
  return is_database(location) ? in_postgres::open_pruner(location) : in_sqlite::open_pruner(location);
}

} // namespace acx::journal
