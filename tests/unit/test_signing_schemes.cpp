#include <doctest/doctest.h>

#include "acx/signing/scheme.hpp"
#include "acx/util/error.hpp"

using namespace acx::signing;
using acx::util::Headers;

namespace {

const std::string k_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string k_body = R"({"test": 2432232314})";
constexpr std::int64_t k_ts = 1614265330;

std::unique_ptr<Scheme> scheme(const std::string& name, std::vector<std::string> secrets,
                               std::chrono::seconds tolerance = std::chrono::seconds(300))
{
  SchemeOptions o;
  o.kind = kind_named(name);
  for (auto& s : secrets) {
    o.secrets.emplace_back(s);
  }
  o.tolerance = tolerance;
  return make_scheme(o);
}

Headers vector_headers(const std::string& signature)
{
  return {{"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
          {"webhook-timestamp", std::to_string(k_ts)},
          {"webhook-signature", signature}};
}

Verdict check(const Scheme& s, const Headers& h, const std::string& body = k_body, std::int64_t now = k_ts)
{
  return s.verify(Message{body, h, ""}, now);
}

} // namespace

TEST_CASE("acx::signing::standard")
{
  const auto s = scheme("standard", {k_secret});

  SUBCASE("reproduces the published test vector")
  {
    const auto sig = s->sign({k_body, "msg_p5jXN8AQM9LWM0D4loKWxJek", k_ts, ""});
    CHECK(*sig.headers.find("webhook-signature") == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    CHECK(*sig.headers.find("webhook-timestamp") == "1614265330");
    CHECK(check(*s, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")).ok());
  }
  SUBCASE("rejects the altered vector")
  {
    const auto v = check(*s, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="));
    CHECK(v.reason == Reason::mismatch);
    CHECK(v.detail == "no signature matched (1 signature, 1 secret): the secret is wrong, or the body, webhook-id or "
                      "webhook-timestamp was altered");
  }
  SUBCASE("a secret without the whsec_ prefix is the same key")
  {
    CHECK(check(*scheme("standard", {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}),
                vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
              .ok());
  }
  SUBCASE("several signatures: unknown versions skipped, any v1 may match")
  {
    CHECK(check(*s, vector_headers("v2,abc v1,AAAA v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")).ok());
    const auto v = check(*s, vector_headers("v2,abc v3,xyz"));
    CHECK(v.reason == Reason::malformed);
    CHECK(v.detail == "webhook-signature has no v1 or v1a signature (only v2, v3)");
    const auto a = check(*s, vector_headers("v2,abc v1a,xyz"));
    CHECK(a.reason == Reason::mismatch);
    CHECK(a.detail == "the delivery is signed v1a (Ed25519) and the secrets here check only v1 (whsec_ secrets): give "
                      "the sender's whpk_ public key");
  }
  SUBCASE("rotation: any secret that matches verifies")
  {
    const auto rotated = scheme("standard", {"whsec_" + std::string("c2Vjb25kLXNlY3JldC1vZi0yNC1ieXRlcw=="), k_secret});
    CHECK(check(*rotated, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")).ok());
    const auto wrong = scheme("standard", {"whsec_c2Vjb25kLXNlY3JldC1vZi0yNC1ieXRlcw=="});
    CHECK(check(*wrong, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")).reason == Reason::mismatch);
  }
  SUBCASE("a tampered body does not verify")
  {
    CHECK(check(*s, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), R"({"test": 2432232315})")
              .reason == Reason::mismatch);
  }
  SUBCASE("missing headers are named")
  {
    const auto v = check(*s, Headers{{"webhook-id", "x"}});
    CHECK(v.reason == Reason::missing);
    CHECK(v.detail == "missing headers webhook-timestamp, webhook-signature");
    CHECK(check(*s, Headers{{"webhook-id", "x"}, {"webhook-timestamp", "1"}}).detail ==
          "missing header webhook-signature");
  }
  SUBCASE("Svix's names for the headers (svix-id, svix-timestamp, svix-signature) verify the same")
  {
    const Headers svix{{"svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
                       {"svix-timestamp", "1614265330"},
                       {"svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}};
    CHECK(check(*s, svix).ok());
    CHECK(check(*s, svix, R"({"test": 2432232315})").detail ==
          "no signature matched (1 signature, 1 secret): the secret is wrong, or the body, svix-id or svix-timestamp "
          "was altered");
    CHECK(check(*s, Headers{{"svix-id", "x"}}).detail == "missing headers svix-timestamp, svix-signature");
    // The standard's headers win when both are there.
    Headers both = vector_headers("v1,AAAA");
    both.add("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    CHECK(check(*s, both).reason == Reason::mismatch);
  }
  SUBCASE("--scheme svix signs under Svix's names, and the two verify each other")
  {
    const auto svix = scheme("svix", {k_secret});
    const auto sig = svix->sign({k_body, "msg_p5jXN8AQM9LWM0D4loKWxJek", k_ts, ""});
    CHECK(*sig.headers.find("svix-signature") == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    CHECK(sig.headers.find("webhook-signature") == nullptr);
    CHECK(check(*s, sig.headers).ok());
    CHECK(check(*svix, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")).ok());
  }
  SUBCASE("header names match in any case")
  {
    CHECK(check(*s, Headers{{"Webhook-Id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
                            {"WEBHOOK-TIMESTAMP", "1614265330"},
                            {"webhook-Signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}})
              .ok());
  }
  SUBCASE("timestamp outside the tolerance says by how much, past or future")
  {
    const auto old = check(*s, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), k_body, k_ts + 301);
    CHECK(old.reason == Reason::too_old);
    CHECK(old.detail == "timestamp is 301 s in the past, beyond the tolerance of 300 s");
    const auto future =
        check(*s, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), k_body, k_ts - 400);
    CHECK(future.reason == Reason::too_new);
    CHECK(future.detail == "timestamp is 400 s in the future, beyond the tolerance of 300 s");
    CHECK(check(*s, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), k_body, k_ts + 300).ok());
    const auto strict = scheme("standard", {k_secret}, std::chrono::seconds(10));
    CHECK(check(*strict, vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), k_body, k_ts + 11).reason ==
          Reason::too_old);
  }
  SUBCASE("malformed headers")
  {
    Headers h = vector_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    Headers bad_ts{{"webhook-id", "x"}, {"webhook-timestamp", "16142653e0"}, {"webhook-signature", "v1,AAAA"}};
    CHECK(check(*s, bad_ts).reason == Reason::malformed);
    CHECK(check(*s, bad_ts).detail == "webhook-timestamp is not Unix seconds: \"16142653e0\"");
    CHECK(check(*s, vector_headers("garbage")).detail ==
          "webhook-signature entry 1 is not of the form v1,<base64>: \"garbage\"");
    CHECK(check(*s, vector_headers("v1,!!!")).detail == "webhook-signature entry 1 is not valid base64");
    CHECK(check(*s, vector_headers("")).detail == "webhook-signature is empty");
  }
}

TEST_CASE("acx::signing::hmac")
{
  SUBCASE("default: X-Acx-Signature sha256=<hex>, round trip")
  {
    const auto s = scheme("hmac", {"It's a Secret to Everybody"});
    const auto sig = s->sign({"Hello, World!", "", 0, ""});
    // GitHub's documented example digest for this secret and payload.
    CHECK(*sig.headers.find("X-Acx-Signature") ==
          "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    CHECK(check(*s, sig.headers, "Hello, World!").ok());
    CHECK(check(*s, sig.headers, "Hello, World?").reason == Reason::mismatch);
  }
  SUBCASE("github preset")
  {
    const auto s = scheme("github", {"It's a Secret to Everybody"});
    const Headers h{{"X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}};
    CHECK(check(*s, h, "Hello, World!").ok());
  }
  SUBCASE("shopify preset: base64, no prefix")
  {
    const auto s = scheme("shopify", {"secret"});
    const auto sig = s->sign({"{}", "", 0, ""});
    const std::string& v = *sig.headers.find("X-Shopify-Hmac-SHA256");
    CHECK(v.size() == 44);
    CHECK(v.back() == '=');
    CHECK(check(*s, sig.headers, "{}").ok());
  }
  SUBCASE("settings override the preset")
  {
    SchemeOptions o;
    o.kind = Kind::hmac;
    o.secrets.emplace_back("k");
    o.hmac_header = "X-Sig";
    o.hmac_prefix = "";
    o.hmac_encoding = Encoding::base64;
    const auto s = make_scheme(o);
    const auto sig = s->sign({"b", "", 0, ""});
    REQUIRE(sig.headers.find("X-Sig"));
    CHECK(check(*s, sig.headers, "b").ok());
  }
  SUBCASE("diagnosis")
  {
    const auto s = scheme("hmac", {"k1", "k2"});
    CHECK(check(*s, {}).detail == "missing header X-Acx-Signature");
    CHECK(check(*s, {{"X-Acx-Signature", "md5=abc"}}).detail == "X-Acx-Signature does not start with \"sha256=\"");
    CHECK(check(*s, {{"X-Acx-Signature", "sha256=abc"}}).detail == "X-Acx-Signature is not a hex-encoded SHA-256 HMAC");
    CHECK(check(*s, {{"X-Acx-Signature", "sha256=" + std::string(64, '0')}}).detail ==
          "no signature matched (2 secrets): the secret is wrong or the body was altered");
    const auto second = scheme("hmac", {"k2"})->sign({k_body, "", 0, ""});
    CHECK(check(*s, second.headers).ok());
  }
}

TEST_CASE("acx::signing::token")
{
  const auto s = scheme("token", {"t0ken/with+odd&chars"});
  auto verify_url = [&](const std::string& url) { return s->verify(Message{"", Headers{}, url}, 0); };

  SUBCASE("sign adds the token to the URL, verify reads it back")
  {
    const auto sig = s->sign({"", "", 0, "http://127.0.0.1:8787/webhooks/acculynx"});
    CHECK(sig.url == "http://127.0.0.1:8787/webhooks/acculynx?token=t0ken%2Fwith%2Bodd%26chars");
    CHECK(verify_url(sig.url).ok());
    CHECK(s->sign({"", "", 0, "/hook?a=1#frag"}).url == "/hook?a=1&token=t0ken%2Fwith%2Bodd%26chars#frag");
  }
  SUBCASE("the token may be the last path segment")
  {
    const auto plain = scheme("token", {"abc123"});
    CHECK(plain->verify(Message{"", Headers{}, "/webhooks/acculynx/abc123"}, 0).ok());
    CHECK(plain->verify(Message{"", Headers{}, "https://example.test/hooks/abc123/?x=1"}, 0).ok());
    const auto v = plain->verify(Message{"", Headers{}, "/webhooks/acculynx/abc124"}, 0);
    CHECK(v.reason == Reason::mismatch);
    CHECK(v.detail == "the URL has no ?token= and its last path segment does not match the secret");
  }
  SUBCASE("diagnosis")
  {
    CHECK(verify_url("").reason == Reason::missing);
    CHECK(verify_url("/").detail == "no token in the URL: expected ?token=... or a last path segment");
    CHECK(verify_url("/h?token=%zz").detail == "the token query parameter of the URL has a bad %-escape");
    CHECK(verify_url("/h?token=wrong").detail == "the token query parameter of the URL does not match the secret");
    CHECK(verify_url("/h?token=").reason == Reason::mismatch);
  }
  SUBCASE("a request signed under another scheme: the refusal says the two sides disagree")
  {
    const auto v = s->verify(Message{"", vector_headers("v1,abc"), "/webhooks/acculynx", false}, 0);
    CHECK(v.reason == Reason::missing);
    CHECK(v.detail == "no token in the URL: expected ?token=... or a last path segment; the request carries the "
                      "header webhook-signature (as --scheme standard signs): sender and receiver need the same "
                      "--scheme");
    const auto standard = scheme("standard", {k_secret});
    CHECK(standard->verify(Message{"", Headers{}, "/webhooks/acculynx?token=abc"}, 0).detail ==
          "missing headers webhook-id, webhook-timestamp, webhook-signature; the request carries a token in the URL "
          "(as --scheme token signs): sender and receiver need the same --scheme");
    CHECK(standard->verify(Message{"", Headers{}, "/webhooks/acculynx"}, 0).detail ==
          "missing headers webhook-id, webhook-timestamp, webhook-signature");
  }
  SUBCASE("rotation")
  {
    const auto two = scheme("token", {"old", "new"});
    CHECK(two->verify(Message{"", Headers{}, "/h?token=old"}, 0).ok());
    CHECK(two->verify(Message{"", Headers{}, "/h?token=new"}, 0).ok());
  }
}

TEST_CASE("acx::signing::make_scheme")
{
  SUBCASE("none verifies everything and signs nothing")
  {
    const auto s = scheme("none", {});
    CHECK(check(*s, {}).ok());
    CHECK(s->sign({"", "", 0, "/u"}).headers.empty());
  }
  SUBCASE("errors name the flag and position, never the secret")
  {
    CHECK_THROWS_WITH(scheme("rot13", {"x"}),
                      "unknown scheme 'rot13': expected one of standard, svix, hmac, github, shopify, token, none");
    CHECK_THROWS_WITH(scheme("hmac", {}), "--scheme hmac needs at least one --secret (or --secret-file, or "
                                          "ACX_SECRET); --scheme none sends or accepts deliveries unsigned");
    CHECK_THROWS_WITH(scheme("standard", {k_secret, "whsec_n0t*base64"}),
                      "--secret #2 is not a Standard Webhooks secret: expected whsec_ followed by base64 (acx secret "
                      "new --scheme standard makes one), or a whsk_/whpk_ Ed25519 key");
    CHECK_THROWS_WITH(scheme("standard", {"whpk_AAAA"}),
                      "--secret #1 is not a Standard Webhooks Ed25519 public key: expected whpk_ followed by the "
                      "base64 of 32 bytes (acx secret new --asymmetric makes a pair)");
    CHECK_THROWS_WITH(scheme("token", {""}), "--secret #1 is empty");
    try {
      scheme("standard", {"whsec_sup3r$ecret"});
    } catch (const acx::Error& e) {
      CHECK(std::string(e.what()).find("sup3r") == std::string::npos);
      CHECK(e.code() == acx::ExitCode::usage);
    }
  }
  SUBCASE("no verdict detail ever contains a secret")
  {
    const std::string secret = "zz-very-secret-zz";
    for (const auto& name : {"hmac", "github", "shopify", "token"}) {
      const auto s = scheme(name, {secret});
      for (const auto& h : {Headers{}, Headers{{"X-Acx-Signature", "sha256=00"}}}) {
        const auto v = s->verify(Message{"body", h, "/h?token=zz-very-secret-zy"}, 0);
        CHECK(v.detail.find(secret) == std::string::npos);
      }
    }
  }
}
