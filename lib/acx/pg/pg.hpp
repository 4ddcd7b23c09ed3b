#pragma once

// A minimal RAII layer over libpq: the only place that sees it (used by the journal's PostgreSQL backend).

#include <chrono>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "acx/util/build.hpp"

struct pg_conn;
struct pg_result;

namespace acx::pg {

// What kind of failure, in the terms callers act on (SQLSTATEs stay in this module).
enum class Failure {
  connection, // the server cannot be reached, or the connection broke
  conflict,   // a deadlock or serialization failure: the transaction may be tried again
  sql,        // the SQL itself failed (no such table, say)
  other,
};

// A PostgreSQL failure: its kind, SQLSTATE (when the server sent one) and message, never the password.
struct PgError : std::exception {
  PgError(Failure f, std::string state, std::string m) : failure(f), sqlstate(std::move(state)), message(std::move(m))
  {
  }
  const char* what() const noexcept override { return message.c_str(); }
  Failure failure;
  std::string sqlstate;
  std::string message;
};

// A statement's parameter: text, bytes (bytea, sent as binary), a number, or NULL.
struct Param {
  Param(std::string_view text) : value(text) {}
  Param(const std::string& text) : value(text) {}
  Param(std::string&& text) : owned(std::move(text)), value(owned) {}
  Param(const char* text) : value(text) {}
  Param(std::int64_t n) : owned(std::to_string(n)), value(owned) {}
  static Param bytes(std::string_view b)
  {
    Param p(b);
    p.binary = true;
    return p;
  }
  static Param null()
  {
    Param p("");
    p.is_null = true;
    return p;
  }
  Param(const Param& o) : owned(o.owned), value(o.owned.empty() ? o.value : owned), binary(o.binary), is_null(o.is_null)
  {
  }
  Param& operator=(const Param& o)
  {
    if (this != &o) {
      owned = o.owned;
      value = o.owned.empty() ? o.value : std::string_view(owned);
      binary = o.binary;
      is_null = o.is_null;
    }
    return *this;
  }

  std::string owned;
  std::string_view value;
  bool binary = false;
  bool is_null = false;
};

// The rows of a statement, read as text (bytea decoded to its bytes).
class Result {
public:
  explicit Result(pg_result* r);
  ~Result();
  Result(Result&& o) noexcept;
  Result& operator=(Result&&) = delete;
  Result(const Result&) = delete;

  int rows() const;
  std::string text(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  double real(int row, int column) const;
  // A bytea column, decoded.
  std::string bytes(int row, int column) const;
  bool is_null(int row, int column) const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;

private:
  pg_result* m_result;
};

// A statement and its parameters, for Connection::pipeline.
struct Statement {
  std::string sql;
  std::vector<Param> params;
};

class Connection {
public:
  // Connects to a libpq URI (postgresql://...): the password from the URI, PGPASSWORD or ~/.pgpass. Waits at most
  // `timeout` for the server. `setup` (SET statements) runs after every connect. Throws PgError.
  Connection(const std::string& uri, std::chrono::seconds timeout, std::string setup = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with parameters ($1, $2, ...). Throws PgError.
  Result exec(std::string_view sql, std::initializer_list<Param> params = {});
  Result exec(std::string_view sql, const std::vector<Param>& params);
  // Runs statements in order in one round trip (libpq's pipeline mode) and returns their results. When one fails, the
  // ones after it do not run, and its PgError is thrown (PostgreSQL's own message, not the cleanup's). Each
  // statement's text is prepared once per connection (planned once, not per run). However it ends, the connection
  // leaves pipeline mode with no transaction open (an aborted one rolled back), or is closed to be made again.
  std::vector<Result> pipeline(const std::vector<Statement>& statements);
  // Runs one or more statements without parameters. Throws PgError.
  void run(std::string_view sql);
  // Rolls back the open transaction, if any; never throws (for error paths).
  void rollback_quietly() noexcept;
  // Whether the connection is up, as far as libpq knows (a failed statement on a broken connection says so).
  bool ok() const;
  // Connects again when the connection broke. Throws PgError when the server still cannot be reached.
  void reconnect_if_broken();
  // Notifications (NOTIFY) on the channels this connection LISTENs to: their payloads, waiting up to `timeout` for
  // the first. Throws PgError when the connection broke.
  std::vector<std::string> notifications(std::chrono::milliseconds timeout);
  // The same, waiting until a notification comes, the connection breaks, `stop` is requested, or `timeout` passes.
  std::vector<std::string> notifications(std::stop_token stop, std::chrono::milliseconds timeout);
  // The server's version ("15.18").
  std::string server_version() const;

private:
  [[noreturn]] void fail(pg_result* r) const;
  void leave_pipeline(bool synced) noexcept;
  // Sends one statement with its parameters (exec and pipeline); false when libpq could not.
  bool send(const std::string& sql, const std::vector<Param>& params, const std::string* prepared = nullptr);
  // The name of `sql` prepared on this connection, preparing it first.
  const std::string& prepared(const std::string& sql);
  std::string m_uri;
  std::chrono::seconds m_timeout;
  std::string m_setup;
  std::map<std::string, std::string> m_prepared; // SQL -> its prepared statement's name, on this connection
  pg_conn* m_conn = nullptr;
};

// libpq's message as one sentence that says what happened: its first line (libpq's hints and what it says of its own
// state after a broken connection, such as pipeline mode, left out), without ERROR:/FATAL: prefixes.
std::string said(std::string_view libpq);

// Whether a journal location is a PostgreSQL connection URI (postgresql:// or postgres://).
bool is_uri(std::string_view location);

// The libpq acx was built with and the one it runs with.
util::Library library();

} // namespace acx::pg
