#include "acx/pg/pg.hpp"

#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <pg_config.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace acx::pg {

namespace {

Failure classify(const std::string& state)
{
  if (state == "40P01" || state == "40001") {
    return Failure::conflict;
  }
  // Class 08: connection exceptions; 57P0x: the server is shutting down or restarting.
  if (state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0) {
    return Failure::connection;
  }
  if (state.rfind("42", 0) == 0) {
    return Failure::sql;
  }
  return Failure::other;
}

} // namespace

std::string said(std::string_view libpq)
{
  // Its lines; the first says what happened, the rest are hints ("This probably means ...", "Is the server running
  // ...") or what libpq went on to say about its own state.
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < libpq.size();) {
    std::size_t end = libpq.find('\n', at);
    end = end == std::string_view::npos ? libpq.size() : end;
    std::string line(libpq.substr(at, end - at));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.pop_back();
    }
    const std::size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos) {
      lines.push_back(line.substr(start));
    }
    at = end + 1;
  }
  if (lines.empty()) {
    return "the connection to PostgreSQL broke";
  }
  std::string first = lines.front();
  if (first.rfind("ERROR:  ", 0) == 0 || first.rfind("FATAL:  ", 0) == 0) {
    first.erase(0, 8);
  }
  // libpq's own bookkeeping is not what happened: the connection broke under it.
  if (first.find("pipeline") != std::string::npos || first.find("no connection to the server") == 0 ||
      first.find("another command is already in progress") == 0) {
    return "the connection to PostgreSQL broke";
  }
  if (first == "server closed the connection unexpectedly") {
    return "PostgreSQL closed the connection (the server stopped, restarted or ended this session)";
  }
  if (const auto refused = first.find(" failed: Connection refused"); refused != std::string::npos) {
    return first.substr(0, refused) + ": refused (no PostgreSQL listens there)";
  }
  while (!first.empty() && first.back() == '.') {
    first.pop_back();
  }
  return first;
}

Result::Result(pg_result* r) : m_result(r) {}
Result::~Result()
{
  if (m_result) {
    PQclear(m_result);
  }
}
Result::Result(Result&& o) noexcept : m_result(o.m_result)
{
  o.m_result = nullptr;
}

int Result::rows() const
{
  return PQntuples(m_result);
}

std::string Result::text(int row, int column) const
{
  return std::string(PQgetvalue(m_result, row, column), static_cast<std::size_t>(PQgetlength(m_result, row, column)));
}

std::int64_t Result::int64(int row, int column) const
{
  return std::strtoll(PQgetvalue(m_result, row, column), nullptr, 10);
}

double Result::real(int row, int column) const
{
  return std::strtod(PQgetvalue(m_result, row, column), nullptr);
}

std::string Result::bytes(int row, int column) const
{
  std::size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(m_result, row, column)), &n);
  if (!raw) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(raw), n);
  PQfreemem(raw);
  return out;
}

bool Result::is_null(int row, int column) const
{
  return PQgetisnull(m_result, row, column) != 0;
}

std::int64_t Result::affected() const
{
  return std::strtoll(PQcmdTuples(m_result), nullptr, 10);
}

Connection::Connection(const std::string& uri, std::chrono::seconds timeout, std::string setup)
    : m_uri(uri), m_timeout(timeout), m_setup(std::move(setup))
{
  reconnect_if_broken();
}

Connection::~Connection()
{
  if (m_conn) {
    PQfinish(m_conn);
  }
}

void Connection::reconnect_if_broken()
{
  if (m_conn && PQstatus(m_conn) == CONNECTION_OK) {
    return;
  }
  if (m_conn) {
    PQfinish(m_conn);
    m_conn = nullptr;
  }
  m_prepared.clear(); // a new connection has none
  // The URI first, then what acx sets unless the URI says otherwise (expand_dbname: later keywords override it, so
  // acx's come before it).
  const std::string seconds = std::to_string(m_timeout.count());
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {seconds.c_str(), "acx", m_uri.c_str(), nullptr};
  m_conn = PQconnectdbParams(keys, values, 1);
  if (!m_conn) {
    throw PgError(Failure::connection, "", "out of memory connecting to PostgreSQL");
  }
  if (PQstatus(m_conn) != CONNECTION_OK) {
    std::string message = said(PQerrorMessage(m_conn));
    PQfinish(m_conn);
    m_conn = nullptr;
    throw PgError(Failure::connection, "", message);
  }
  // Notices (a table that exists already, say) are not acx's to print.
  PQsetNoticeProcessor(
      m_conn, [](void*, const char*) {}, nullptr);
  if (!m_setup.empty()) {
    run(m_setup);
  }
}

bool Connection::ok() const
{
  return m_conn && PQstatus(m_conn) == CONNECTION_OK;
}

std::string Connection::server_version() const
{
  if (!ok()) {
    return {};
  }
  const int v = PQserverVersion(m_conn);
  return fmt::format("{}.{}", v / 10000, v % 10000);
}

void Connection::fail(pg_result* r) const
{
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  // The primary message only: the DETAIL of a failed insert quotes the row, and a row holds a delivery's headers
  // (a credential among them).
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* text = primary ? primary : r ? PQresultErrorMessage(r) : nullptr;
  std::string message = said(text && *text ? text : PQerrorMessage(m_conn));
  if (r) {
    PQclear(r);
  }
  const Failure failure = !ok() ? Failure::connection : classify(sqlstate);
  throw PgError(failure, sqlstate, message);
}

Result Connection::exec(std::string_view sql, std::initializer_list<Param> params)
{
  return exec(sql, std::vector<Param>(params));
}

bool Connection::send(const std::string& sql, const std::vector<Param>& params, const std::string* prepared)
{
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  // Text parameters are NUL-terminated for libpq: string_views that are not get a copy.
  std::vector<std::string> copies;
  copies.reserve(params.size());
  for (const auto& p : params) {
    const char* value = p.value.data() ? p.value.data() : ""; // libpq: a null pointer is NULL
    if (!p.is_null && !p.binary) {
      value = copies.emplace_back(p.value).c_str();
    }
    values.push_back(p.is_null ? nullptr : value);
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  if (prepared) {
    return PQsendQueryPrepared(m_conn, prepared->c_str(), static_cast<int>(params.size()), values.data(),
                               lengths.data(), formats.data(), 0) == 1;
  }
  return PQsendQueryParams(m_conn, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), lengths.data(),
                           formats.data(), 0) == 1;
}

const std::string& Connection::prepared(const std::string& sql)
{
  if (const auto it = m_prepared.find(sql); it != m_prepared.end()) {
    return it->second;
  }
  std::string name = fmt::format("acx_{}", m_prepared.size() + 1);
  pg_result* r = PQprepare(m_conn, name.c_str(), sql.c_str(), 0, nullptr);
  if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
    fail(r);
  }
  PQclear(r);
  return m_prepared.emplace(sql, std::move(name)).first->second;
}

Result Connection::exec(std::string_view sql, const std::vector<Param>& params)
{
  if (!m_conn) {
    throw PgError(Failure::connection, "", "not connected to PostgreSQL");
  }
  if (!send(std::string(sql), params)) {
    fail(nullptr);
  }
  // One statement: its result, then the end of its results (nullptr).
  pg_result* r = PQgetResult(m_conn);
  while (pg_result* more = r ? PQgetResult(m_conn) : nullptr) {
    PQclear(more);
  }
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail(r);
  }
  return Result(r);
}

std::vector<Result> Connection::pipeline(const std::vector<Statement>& statements)
{
  if (!m_conn) {
    throw PgError(Failure::connection, "", "not connected to PostgreSQL");
  }
  std::vector<const std::string*> names;
  for (const auto& st : statements) {
    names.push_back(&prepared(st.sql));
  }
  if (PQenterPipelineMode(m_conn) != 1) {
    fail(nullptr);
  }
  std::vector<Result> out;
  out.reserve(statements.size());
  bool synced = false; // without the sync, the server owes nothing to read up to
  try {
    bool sent = true;
    for (std::size_t i = 0; i < statements.size(); ++i) {
      sent = sent && send(statements[i].sql, statements[i].params, names[i]);
    }
    synced = sent && PQpipelineSync(m_conn) == 1;
    if (!synced) {
      fail(nullptr);
    }
    for (std::size_t i = 0; i < statements.size(); ++i) {
      pg_result* r = PQgetResult(m_conn);
      const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        fail(r); // the first failure; the statements after it were not run (PGRES_PIPELINE_ABORTED)
      }
      out.emplace_back(r);
      PQclear(PQgetResult(m_conn)); // the end of this statement's results: nullptr
    }
  } catch (...) {
    leave_pipeline(synced); // the original error goes on; the cleanup's own trouble only drops the connection
    throw;
  }
  leave_pipeline(true);
  return out;
}

// Reads whatever the server still owes up to the sync (the failed statement's end, the aborted ones' results), leaves
// pipeline mode and rolls an aborted transaction back, so the next statement finds a clean connection. A connection
// that cannot be brought back so is closed: the next use connects again.
void Connection::leave_pipeline(bool synced) noexcept
{
  bool clean = synced && ok();
  // Each statement's results end with a nullptr; the sync's own result ends the pipeline. A broken connection answers
  // nullptr for ever, so the count of nullptrs in a row is bounded.
  for (int empty = 0; clean;) {
    pg_result* r = PQgetResult(m_conn);
    if (!r) {
      clean = ++empty <= 2 && ok();
      continue;
    }
    empty = 0;
    const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
    if (sync) {
      break;
    }
  }
  clean = clean && PQexitPipelineMode(m_conn) == 1;
  if (clean) {
    rollback_quietly();
    clean = ok() && PQtransactionStatus(m_conn) == PQTRANS_IDLE;
  }
  if (!clean && m_conn) {
    PQfinish(m_conn);
    m_conn = nullptr;
  }
}

void Connection::run(std::string_view sql)
{
  if (!m_conn) {
    throw PgError(Failure::connection, "", "not connected to PostgreSQL");
  }
  const std::string text(sql);
  pg_result* r = PQexec(m_conn, text.c_str());
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail(r);
  }
  PQclear(r);
}

void Connection::rollback_quietly() noexcept
{
  if (ok() && PQtransactionStatus(m_conn) != PQTRANS_IDLE) {
    PQclear(PQexec(m_conn, "ROLLBACK"));
  }
}

std::vector<std::string> Connection::notifications(std::chrono::milliseconds timeout)
{
  return notifications(std::stop_token(), timeout);
}

std::vector<std::string> Connection::notifications(std::stop_token stop, std::chrono::milliseconds timeout)
{
  std::vector<std::string> out;
  auto drain = [&] {
    if (PQconsumeInput(m_conn) == 0) {
      throw PgError(Failure::connection, "", said(PQerrorMessage(m_conn)));
    }
    while (PGnotify* n = PQnotifies(m_conn)) {
      out.emplace_back(n->extra ? n->extra : "");
      PQfreemem(n);
    }
  };
  if (!ok()) {
    throw PgError(Failure::connection, "", "not connected to PostgreSQL");
  }
  drain();
  if (out.empty() && !stop.stop_requested()) {
    // The socket, and an eventfd the stop request signals: a stop ends the wait at once.
    const int woken = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pollfd fds[2] = {{PQsocket(m_conn), POLLIN, 0}, {woken, POLLIN, 0}};
    int ready = 0;
    {
      // Unregistered before the eventfd is closed: a stop requested meanwhile has written to it, or never will.
      const std::stop_callback on_stop(stop, [woken] {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(woken, &one, sizeof one);
      });
      ready = ::poll(fds, woken >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
    }
    if (woken >= 0) {
      ::close(woken);
    }
    if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      drain();
    }
  }
  return out;
}

bool is_uri(std::string_view location)
{
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

util::Library library()
{
  const int v = PQlibVersion(); // 150018
  const std::string built = PG_VERSION;
  return {"libpq", built.substr(0, built.find(' ')), fmt::format("{}.{}", v / 10000, v % 10000)};
}

} // namespace acx::pg
