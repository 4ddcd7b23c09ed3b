#include <doctest/doctest.h>

#include <string>

#include "acx/nats/target.hpp"

using acx::nats::parse_target;

namespace {

std::string refusal(std::string_view url)
{
  std::string why;
  CHECK_MESSAGE(!parse_target(url, &why), url);
  return why;
}

} // namespace

TEST_CASE("acx::nats::parse_target: the server, the subject, the stream made when none holds it")
{
  const auto t = parse_target("nats://127.0.0.1:4333/acx.events");
  REQUIRE(t);
  CHECK(t->server == "nats://127.0.0.1:4333");
  CHECK(!t->tls);
  CHECK(t->subject == "acx.events");
  CHECK(t->stream == "ACX_EVENTS");
  CHECK(t->creds.empty());

  const auto d = parse_target("nats://localhost/webhooks");
  REQUIRE(d);
  CHECK(d->server == "nats://localhost:4222"); // NATS' port, not HTTP's
  CHECK(d->stream == "WEBHOOKS");

  const auto s = parse_target("nats+tls://[::1]:7422/a.b-c.d?stream=Hooks&creds=%2Fetc%2Facx%2Fnats.creds");
  REQUIRE(s);
  CHECK(s->server == "tls://[::1]:7422");
  CHECK(s->tls);
  CHECK(s->subject == "a.b-c.d");
  CHECK(s->stream == "Hooks");
  CHECK(s->creds == "/etc/acx/nats.creds");
  CHECK(acx::nats::is_nats_url("nats+tls://x/y"));
  CHECK(!acx::nats::is_nats_url("https://x/y"));
}

TEST_CASE("acx::nats::parse_target: what is not a target says why")
{
  CHECK(refusal("http://127.0.0.1/x") == "expected nats:// or nats+tls://");
  CHECK(refusal("nats://127.0.0.1:4222") == "no subject: nats://HOST:PORT/SUBJECT");
  CHECK(refusal("nats://127.0.0.1:4222/") == "no subject: nats://HOST:PORT/SUBJECT");
  CHECK(refusal("nats://127.0.0.1:4222/a..b").find("empty token") != std::string::npos);
  CHECK(refusal("nats://127.0.0.1:4222/a.").find("empty token") != std::string::npos);
  CHECK(refusal("nats://127.0.0.1:4222/a.*").find("wildcard") != std::string::npos);
  CHECK(refusal("nats://127.0.0.1:4222/a.>").find("wildcard") != std::string::npos);
  CHECK(refusal("nats://127.0.0.1:4222/a%20b").find("space") != std::string::npos);
  CHECK(refusal("nats://127.0.0.1:4222/a%0Ab").find("control") != std::string::npos);
  CHECK(refusal("nats://127.0.0.1:4222/a%zz") == "the subject is not percent-encoded well");
  CHECK(refusal("nats://user:pw@127.0.0.1:4222/a").find("?creds=FILE") != std::string::npos);
  CHECK(refusal("nats://127.0.0.1:99999/a").find("port") != std::string::npos);
  CHECK(refusal("nats:///a").find("host") != std::string::npos);
  CHECK(refusal("nats://h/a?stream=a.b").find("character JetStream refuses") != std::string::npos);
  CHECK(refusal("nats://h/a?stream=").find("needs a value") != std::string::npos);
  CHECK(refusal("nats://h/a?creds").find("needs a value") != std::string::npos);
  CHECK(refusal("nats://h/a?user=me").find("unknown parameter user") != std::string::npos);
  CHECK(refusal("nats://h/" + std::string(300, 'a')).find("1 to 255") != std::string::npos); // the stream made from it
}
