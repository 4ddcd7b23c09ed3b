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
  CHECK_FALSE(g.check(request("GET", "127.0.0.1", "", "a=b; acx_inspect=t0ken"), false));
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
  auto same = request("POST", "127.0.0.1:8789", "", "acx_inspect=t0ken");
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
  const auto b = flatten_json(R"({"eventId":"2","event":{"job":{"milestone":{"name":"Lead"}},"tags":["x"]},"new":true})");
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
