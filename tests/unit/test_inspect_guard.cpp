#include <doctest/doctest.h>

#include "acx/inspect/guard.hpp"
#include "acx/inspect/json_diff.hpp"

using namespace acx;
using namespace acx::inspect;

namespace {

http::Request request(std::string method, std::string host, std::string token_query, std::string cookie = "")
{
  http::Request r;
  r.method = std::move(method);
  r.path = "/";
  if (!host.empty()) {
    r.headers.add("Host", host);
  }
  if (!token_query.empty()) {
    r.query["token"] = token_query;
  }
  if (!cookie.empty()) {
    r.headers.add("Cookie", cookie);
  }
  return r;
}

} // namespace

TEST_CASE("acx::inspect::Guard: loopback Host, the token, and changes only from the page")
{
  const Guard g("t0ken", "127.0.0.1");
  CHECK_FALSE(g.check(request("GET", "127.0.0.1:8789", "t0ken"), false));
  CHECK_FALSE(g.check(request("GET", "localhost:8789", "t0ken"), false));
  CHECK_FALSE(g.check(request("GET", "[::1]:8789", "t0ken"), false));
  CHECK_FALSE(g.check(request("GET", "127.0.0.1", "", "a=b; acx_inspect_80=t0ken"), false));
  CHECK(g.check(request("GET", "evil.example", "t0ken"), false)->status == 403);
  CHECK(g.check(request("GET", "127.0.0.1.evil.example", "t0ken"), false)->status == 403);
  CHECK(g.check(request("GET", "", "t0ken"), false)->status == 403);
  CHECK(g.check(request("GET", "127.0.0.1", ""), false)->status == 401);
  CHECK(g.check(request("GET", "127.0.0.1", "t0ke"), false)->status == 401);
  CHECK(g.check(request("GET", "127.0.0.1", "", "acx_inspect=wrong"), false)->status == 401);

  auto post = request("POST", "127.0.0.1:8789", "t0ken");
  post.body = "token=t0ken&id=a1";
  CHECK(g.check(post, true)->status == 403); // no Origin, no Referer
  post.headers.add("Origin", "http://evil.example");
  CHECK(g.check(post, true)->status == 403);
  auto same = request("POST", "127.0.0.1:8789", "", "acx_inspect_8789=t0ken");
  same.body = "token=t0ken&id=a1";
  same.headers.add("Origin", "http://127.0.0.1:8789");
  CHECK_FALSE(g.check(same, true));
  same.body = "id=a1"; // the cookie alone is what a forged cross-site form would carry
  CHECK(g.check(same, true)->status == 403);
  auto referred = request("POST", "127.0.0.1:8789", "t0ken");
  referred.body = "token=t0ken";
  referred.headers.add("Referer", "http://127.0.0.1:8789/d/a1");
  CHECK_FALSE(g.check(referred, true));
  auto get = request("GET", "127.0.0.1:8789", "t0ken");
  CHECK(g.check(get, true)->status == 405);
}

TEST_CASE("acx::inspect::parse_host: exactly host[:port]")
{
  CHECK(parse_host("127.0.0.1:8789")->host == "127.0.0.1");
  CHECK(parse_host("127.0.0.1:8789")->port == "8789");
  CHECK(parse_host("localhost")->port.empty());
  CHECK(parse_host("[::1]:80")->host == "[::1]");
  CHECK(parse_host("[::1]")->port.empty());
  for (const char* bad : {"localhost:evil.com", "[::1]evil.com", "[::1]:80x", "", ":80", "localhost:", "[::1", "[]:80",
                          "127.0.0.1:8789:1", "local host", "localhost:123456", "[evil.com]:80", "a/b:80"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_host(bad));
  }
  const Guard g("t0ken", "127.0.0.1");
  CHECK(g.check(request("GET", "localhost:evil.com", "t0ken"), false)->status == 403);
  CHECK(g.check(request("GET", "[::1]evil.com", "t0ken"), false)->status == 403);
  auto twice = request("GET", "127.0.0.1:8789", "t0ken");
  twice.headers.add("Host", "evil.example");
  CHECK(g.check(twice, false)->status == 403); // two Host headers: which one a proxy read is anyone's guess
}

TEST_CASE("acx::inspect::Guard: a cookie per port, and the token leaves the URL")
{
  const Guard g("t0ken", "127.0.0.1");
  // Another page's cookie (another port) is not this page's.
  CHECK(g.check(request("GET", "127.0.0.1:8789", "", "acx_inspect_8790=t0ken"), false)->status == 401);
  CHECK(Guard::cookie_name(request("GET", "127.0.0.1:8790", "")) == "acx_inspect_8790");
  auto r = request("GET", "127.0.0.1:8789", "t0ken");
  r.target = "/d/a1?q=x&token=t0ken&topic=job_created";
  const auto away = g.strip_token(r);
  REQUIRE(away);
  CHECK(away->status == 303);
  CHECK(*away->headers.find("Location") == "/d/a1?q=x&topic=job_created");
  CHECK(away->headers.find("Set-Cookie")->starts_with("acx_inspect_8789=t0ken; Path=/; HttpOnly; SameSite=Strict"));
  r.target = "/?token=t0ken";
  CHECK(*g.strip_token(r)->headers.find("Location") == "/");
  r.target = "/?%74oken=t0ken&a=1"; // the name percent-encoded is the same name
  CHECK(*g.strip_token(r)->headers.find("Location") == "/?a=1");
  CHECK_FALSE(g.strip_token(request("GET", "127.0.0.1:8789", "", "acx_inspect_8789=t0ken")));
  auto post = request("POST", "127.0.0.1:8789", "t0ken");
  CHECK_FALSE(g.strip_token(post));
}

TEST_CASE("acx::inspect::form_fields and cookie_value take hostile input")
{
  const auto f = form_fields("a=1&b=x%20y+z&a=2&%zz=bad&c=%E2%9C%93&&=empty&d");
  CHECK(f.at("a") == "1"); // the first of a repeated field
  CHECK(f.at("b") == "x y z");
  CHECK(f.at("c") == "\xE2\x9C\x93");
  CHECK(f.at("d").empty());
  CHECK_FALSE(f.contains("%zz"));
  CHECK(form_fields("").empty());
  CHECK(form_fields(std::string(100000, '&')).empty());
  http::Request r;
  r.headers.add("Cookie", "x=1;acx_inspect=abc ; acx_inspectx=no");
  CHECK(cookie_value(r, "acx_inspect") == "abc");
  CHECK(cookie_value(r, "missing").empty());
}

TEST_CASE("acx::inspect::diff: JSON-aware, by path")
{
  const auto a = flatten_json(R"({"eventId":"1","event":{"job":{"milestone":{"name":"Lead"}},"tags":["x","y"]}})");
  const auto b =
      flatten_json(R"({"eventId":"2","event":{"job":{"milestone":{"name":"Lead"}},"tags":["x"]},"new":true})");
  const auto rows = diff(a, b);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].path == "$.event.tags[1]");
  CHECK(rows[0].kind == DiffRow::Kind::removed);
  CHECK(rows[1].path == "$.eventId");
  CHECK(rows[1].kind == DiffRow::Kind::changed);
  CHECK(rows[1].a == "\"1\"");
  CHECK(rows[2].path == "$.new");
  CHECK(rows[2].kind == DiffRow::Kind::added);
  CHECK(diff(a, a).empty());
  CHECK(diff(a, a, true).size() == a.size());
  CHECK(flatten_json("not json {").at("$") == "not json {");
  CHECK(flatten_json("{}").at("$") == "{}");
}
