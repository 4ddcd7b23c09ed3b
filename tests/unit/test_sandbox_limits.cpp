#include <doctest/doctest.h>

#include "acx/acculynx/budget.hpp"
#include "acx/sandbox/limits.hpp"

using acx::sandbox::LimitRules;
using acx::sandbox::Limits;

TEST_CASE("acx::sandbox::Limits: 10 a second per key, then 429, a new second starts afresh")
{
  Limits limits(LimitRules{});
  const std::int64_t t = 1'800'000'000'000; // a second's start, in ms
  for (int i = 0; i < 10; ++i) {
    CHECK(limits.admit("k1", "10.0.0.1", t + i).verdict == Limits::Verdict::ok);
  }
  CHECK(limits.admit("k1", "10.0.0.1", t + 500).verdict == Limits::Verdict::key_limit);
  CHECK(limits.admit("k2", "10.0.0.1", t + 600).verdict == Limits::Verdict::ok); // another key has its own 10
  CHECK(limits.admit("k1", "10.0.0.1", t + 1000).verdict == Limits::Verdict::ok);
  const auto u = limits.usage();
  REQUIRE(u.seconds.size() == 2);
  CHECK(u.seconds[0].keys.at(acx::acculynx::budget_label("k1")) == 11); // refused ones are counted: they were sent
  CHECK(u.seconds[0].addresses.at("10.0.0.1") == 12);
  CHECK(u.seconds[1].keys.at(acx::acculynx::budget_label("k1")) == 1);
  for (const auto& [label, n] : u.seconds[0].keys) {
    CHECK(label.find("k1") == std::string::npos); // keys appear only as labels
  }
}

TEST_CASE("acx::sandbox::Limits: the 31st request a second from one address bans it, every key, for the ban")
{
  LimitRules rules;
  rules.ban = std::chrono::milliseconds(3000);
  Limits limits(rules);
  const std::int64_t t = 1'800'000'000'000;
  int refused = 0;
  for (int i = 0; i < 30; ++i) {
    refused += limits.admit("k" + std::to_string(i % 3), "10.0.0.1", t + i).verdict != Limits::Verdict::ok;
  }
  CHECK(refused == 0);
  const auto judged = limits.admit("k0", "10.0.0.1", t + 40);
  CHECK(judged.verdict == Limits::Verdict::address_limit);
  CHECK(judged.banned_until_ms == t + 40 + 3000);
  CHECK(limits.admit("k9", "10.0.0.1", t + 1500).verdict == Limits::Verdict::banned); // a new second, a new key: banned
  CHECK(limits.admit("k9", "10.0.0.2", t + 1500).verdict == Limits::Verdict::ok);     // another address is not
  CHECK(limits.admit("k9", "10.0.0.1", t + 3039).verdict == Limits::Verdict::banned);
  CHECK(limits.admit("k9", "10.0.0.1", t + 3040).verdict == Limits::Verdict::ok); // the ban is over
  REQUIRE(limits.usage().bans.size() == 1);
  CHECK(limits.usage().bans[0].address == "10.0.0.1");
}

TEST_CASE("acx::sandbox::address_of: IPv4 and IPv6 peers")
{
  CHECK(acx::sandbox::address_of("127.0.0.1:5000") == "127.0.0.1");
  CHECK(acx::sandbox::address_of("[::1]:5000") == "::1");
}
