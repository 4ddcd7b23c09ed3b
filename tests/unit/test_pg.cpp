#include <doctest/doctest.h>

#include "acx/config/paths.hpp"
#include "acx/journal/journal.hpp"
#include "acx/pg/pg.hpp"
#include "acx/util/error.hpp"
#include "acx/util/url.hpp"

TEST_CASE("acx::util::redact_url hides a connection URI's password wherever it is given, as libpq reads it")
{
  using acx::util::redact_url;
  CHECK(redact_url("postgresql://acx:s3cret@db.example:5432/acx") == "postgresql://acx:***@db.example:5432/acx");
  CHECK(redact_url("postgres://acx:p%40ss@db/acx?sslmode=require") == "postgres://acx:***@db/acx?sslmode=require");
  CHECK(redact_url("postgresql://acx@db/acx?password=s3cret&sslmode=require") ==
        "postgresql://acx@db/acx?password=***&sslmode=require");
  CHECK(redact_url("postgresql://db/acx?sslmode=require&password=s3cret") ==
        "postgresql://db/acx?sslmode=require&password=***");
  CHECK(redact_url("postgresql://acx@db/acx") == "postgresql://acx@db/acx"); // nothing to hide
  CHECK(redact_url("postgresql://a:b@[::1]:5432/x") == "postgresql://a:***@[::1]:5432/x");
  // '?', '#' and '@' in a password, which libpq takes as they are: the user part ends at the last '@' before a '/'.
  CHECK(redact_url("postgresql://acx:pa?ss@db/acx") == "postgresql://acx:***@db/acx");
  CHECK(redact_url("postgresql://acx:pa?ss@db:5432") == "postgresql://acx:***@db:5432");
  CHECK(redact_url("postgresql://acx:p#w@db/acx?sslmode=require") == "postgresql://acx:***@db/acx?sslmode=require");
  CHECK(redact_url("postgresql://acx:p@ss@db/acx") == "postgresql://acx:***@db/acx");
  CHECK(redact_url("postgresql://acx:a?b=c&password=x@db/acx?password=y") ==
        "postgresql://acx:***@db/acx?password=***");
  // What a library's message might quote of them, found for redact_secrets.
  CHECK(acx::util::url_credentials("postgresql://acx:pa?ss@w-rd@db/acx?password=y") ==
        std::vector<std::string>{"pa?ss@w-rd", "pa?ss", "w-rd", "y"});
  CHECK(acx::util::url_credentials("postgresql://acx@db/acx").empty());
  // An '@' in a query is the query's (RFC 3986): a token after it is still hidden.
  CHECK(redact_url("https://host/hook?email=a@b&token=t0k") == "https://host/hook?email=a@b&token=***");
}

TEST_CASE("a journal location is a file or a postgresql:// URI, another URL is a usage error, not a directory")
{
  CHECK(acx::pg::is_uri("postgresql://acx@db/acx"));
  CHECK(acx::pg::is_uri("postgres://acx@db/acx"));
  CHECK_FALSE(acx::pg::is_uri("journal.db"));
  CHECK_FALSE(acx::pg::is_uri("./postgresql:/x"));
  CHECK(acx::journal::shown("postgresql://u:pw@h/d") == "postgresql://u:***@h/d");
  CHECK(acx::journal::shown("dir/journal.db") == "dir/journal.db");
  CHECK(acx::config::journal_path("postgresql://acx@db/acx") == "postgresql://acx@db/acx");
  CHECK(acx::config::journal_path("dir/x:y.db") == "dir/x:y.db");
  for (const char* url : {"mysql://root:pw@db/acx", "sqlite:///tmp/j.db", "https://example.com/j.db"}) {
    try {
      acx::config::journal_path(url);
      FAIL("accepted " << url);
    } catch (const acx::Error& e) {
      CHECK(e.code() == acx::ExitCode::usage);
      CHECK(std::string(e.what()).find("pw") == std::string::npos); // never the password
      CHECK(std::string(e.what()).find("postgresql://user@host/db") != std::string::npos);
    }
  }
}

TEST_CASE("a database that cannot be reached is an I/O error naming it without its password")
{
  // A port nothing listens on (1): refused at once.
  try {
    acx::journal::Reader::open("postgresql://acx:hunter2@127.0.0.1:1/acx?connect_timeout=2");
    FAIL("opened");
  } catch (const acx::Error& e) {
    const std::string what = e.what();
    CHECK(e.code() == acx::ExitCode::io);
    CHECK(what.find("cannot reach the journal's database postgresql://acx:***@127.0.0.1:1/acx") != std::string::npos);
    CHECK(what.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("acx::pg::said: libpq's message as one sentence that says what happened")
{
  using acx::pg::said;
  CHECK(said("server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\t"
             "before or while processing the request.\n") ==
        "PostgreSQL closed the connection (the server stopped, restarted or ended this session)");
  CHECK(said("connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n\tIs the server running on "
             "that host and accepting TCP/IP connections?\n") ==
        "connection to server at \"127.0.0.1\", port 5432: refused (no PostgreSQL listens there)");
  // What libpq says of its own state after the connection broke is not what happened.
  CHECK(said("cannot exit pipeline mode with uncollected results\n") == "the connection to PostgreSQL broke");
  CHECK(said("no connection to the server\n") == "the connection to PostgreSQL broke");
  CHECK(said("FATAL:  terminating connection due to administrator command\n") ==
        "terminating connection due to administrator command");
  CHECK(said("ERROR:  permission denied for table deliveries\n") == "permission denied for table deliveries");
  CHECK(said("") == "the connection to PostgreSQL broke");
  CHECK(said("\n\t \n") == "the connection to PostgreSQL broke");
}
