#include <doctest/doctest.h>

#include "acx/deliver/load.hpp"
#include "acx/deliver/prepare.hpp"
#include "acx/deliver/retry.hpp"
#include "acx/event/envelope.hpp"
#include "acx/event/fixtures.hpp"
#include "acx/util/error.hpp"

using namespace acx;
using namespace acx::deliver;
using namespace std::chrono_literals;

TEST_CASE("acx::deliver::classify")
{
  auto with = [](int status) {
    http::Exchange e;
    e.status = status;
    return classify(e);
  };
  CHECK(with(200) == Next::done);
  CHECK(with(204) == Next::done);
  CHECK(with(0) == Next::retry);
  CHECK(with(408) == Next::retry);
  CHECK(with(429) == Next::retry);
  CHECK(with(500) == Next::retry);
  CHECK(with(503) == Next::retry);
  CHECK(with(410) == Next::give_up);
  CHECK(with(401) == Next::give_up);
  CHECK(with(404) == Next::give_up);
  http::Exchange untrusted;
  untrusted.error = "the server's TLS certificate is not trusted";
  untrusted.permanent = true;
  CHECK(classify(untrusted) == Next::give_up); // no retry mends a certificate
}

TEST_CASE("acx::deliver::parse_retry_after")
{
  CHECK(parse_retry_after("1", 0) == 1s);
  CHECK(parse_retry_after(" 120 ", 0) == 120s);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470) == 10s);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490) == 0s); // in the past
  CHECK_FALSE(parse_retry_after("", 0));
  CHECK_FALSE(parse_retry_after("soon", 0));
  CHECK_FALSE(parse_retry_after("-5", 0));
  CHECK_FALSE(parse_retry_after("99999999999999999999", 0));
}

TEST_CASE("acx::deliver::backoff")
{
  std::mt19937_64 random{42};
  RetryPolicy p;
  for (int i = 0; i < 100; ++i) {
    const auto first = backoff(1, p, std::nullopt, random);
    CHECK(first >= 250ms);
    CHECK(first <= 500ms);
    const auto third = backoff(3, p, std::nullopt, random);
    CHECK(third >= 1000ms);
    CHECK(third <= 2000ms);
  }
  CHECK(backoff(40, p, std::nullopt, random) <= p.ceiling);
  CHECK(backoff(1, p, 3s, random) == 3000ms);
  CHECK(backoff(1, p, 3600s, random) == p.ceiling);
}

TEST_CASE("acx::deliver::LatencyHistogram")
{
  LatencyHistogram h;
  for (int i = 1; i <= 1000; ++i) {
    h.add(std::chrono::microseconds(i * 10));
  }
  CHECK(h.count() == 1000);
  CHECK(h.max() == 10000us);
  auto near = [](std::chrono::microseconds v, double expected) {
    return std::abs(static_cast<double>(v.count()) - expected) <= expected * 0.02;
  };
  CHECK(near(h.percentile(50), 5000));
  CHECK(near(h.percentile(99), 9900));
  CHECK(h.percentile(100) == 10000us);
  LatencyHistogram other;
  other.add(20000us);
  h.merge(other);
  CHECK(h.max() == 20000us);
  CHECK(LatencyHistogram{}.percentile(50) == 0us);
}

TEST_CASE("acx::deliver::prepare")
{
  const event::SourceEvent fixture{std::string(*event::find_fixture("job.milestone.current_changed")), "fixture", {}};
  PrepareOptions o;
  o.url = "http://127.0.0.1:9/hook";
  o.scheme.kind = acx::signing::Kind::hmac;
  o.scheme.secrets.emplace_back("k");

  SUBCASE("fresh ids, edits, a signature over the final bytes")
  {
    o.assignments = {"event.job.milestone.name=Closed"};
    o.subscription = "11111111-2222-4333-8444-555555555555";
    const auto out = prepare({fixture}, o);
    REQUIRE(out.size() == 1);
    const auto env = event::parse_envelope(out[0].body).envelope;
    REQUIRE(env);
    CHECK(env->event_id != "6bf46c69-7d2c-4f82-aeea-cbe226e87555");
    CHECK(env->event_id == out[0].event_id);
    CHECK(env->subscription_id == "11111111-2222-4333-8444-555555555555");
    CHECK(env->event["job"]["milestone"]["name"] == "Closed");
    const auto verdict = signing::make_scheme(o.scheme)->verify({out[0].body, out[0].headers, out[0].url}, 0);
    CHECK(verdict.ok());
  }
  SUBCASE("duplicates share eventId and signature; tamper breaks the signature")
  {
    o.duplicate = 3;
    o.tamper = true;
    const auto out = prepare({fixture}, o);
    REQUIRE(out.size() == 3);
    CHECK(out[0].body == out[2].body);
    CHECK(out[0].body.find("\"tampered\":true") != std::string::npos);
    CHECK(event::parse_envelope(out[0].body).envelope);
    CHECK(signing::make_scheme(o.scheme)->verify({out[0].body, out[0].headers, out[0].url}, 0).reason ==
          signing::Reason::mismatch);
  }
  SUBCASE("keeping ids keeps the bytes")
  {
    o.fresh = false;
    CHECK(prepare({fixture}, o)[0].body == fixture.body);
  }
  SUBCASE("invalid envelopes are refused with their origin")
  {
    CHECK_THROWS_WITH(prepare({{"{\"a\":1}", "x.json", {}}}, o),
                      doctest::Contains("x.json is not a valid envelope: $.topicName: missing field"));
  }
  SUBCASE("the stamping factory makes distinct events of the same size, each signed")
  {
    o.resign = false;
    const auto proto = prepare({fixture}, o)[0];
    PrepareOptions so = o;
    so.resign = true;
    const Signer signer(so);
    const auto make = stamping_factory(proto, [&](std::string b, std::string id) { return signer.sign(b, id); });
    const auto a = make(0);
    const auto b = make(1);
    CHECK(a.event_id != b.event_id);
    CHECK(a.body.size() == proto.body.size());
    CHECK(event::parse_envelope(a.body).envelope->event_id == a.event_id);
    CHECK(signing::make_scheme(o.scheme)->verify({b.body, b.headers, b.url}, 0).ok());
  }
}
