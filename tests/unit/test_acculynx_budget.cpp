#include <doctest/doctest.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "acx/acculynx/budget.hpp"
#include "temp_dir.hpp"

using acx::acculynx::Budget;
using acx::acculynx::BudgetRules;

namespace {
std::string read_text(const std::string& path)
{
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
} // namespace

TEST_CASE("acx::acculynx::Budget: two budgets on one file see each other's requests, keys only as digests")
{
  TempDir dir;
  const std::string file = dir.file("state/acx/api-budget");
  Budget a(file, BudgetRules{});
  Budget b(file, BudgetRules{});
  const auto s1 = a.take("secret-key-one");
  const auto s2 = b.take("secret-key-one");
  const auto s3 = b.take("secret-key-two");
  auto u = a.usage();
  CHECK(u.last_second == 3); // in flight
  CHECK(u.last_minute == 3);
  REQUIRE(u.keys.size() == 2);
  a.done(s1, 200, false);
  b.done(s2, 200, false);
  b.done(s3, 200, false);
  u = b.usage();
  CHECK(u.last_minute == 3);
  const std::string text = read_text(file);
  CHECK(text.find("secret-key") == std::string::npos);
  CHECK(text.find(acx::acculynx::budget_label("secret-key-one")) != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("acx::acculynx::Budget: a 429 pauses its key, or every key when it is about the address, until a success")
{
  TempDir dir;
  Budget budget(dir.file("budget"), BudgetRules{});
  auto slot = budget.take("k");
  const auto pause = budget.done(slot, 429, false);
  REQUIRE(pause);
  CHECK_FALSE(pause->every_key);
  CHECK(pause->wait >= std::chrono::milliseconds(750)); // the first backoff: 1 s, jitter 0.75 to 1.25
  CHECK(pause->wait <= std::chrono::milliseconds(1250));
  auto u = budget.usage();
  REQUIRE(u.keys.size() == 1);
  CHECK(u.keys[0].paused_until_ms > 0);
  CHECK(u.all_paused_until_ms == 0);

  slot = budget.take("k"); // waits the pause out
  const auto wide = budget.done(slot, 429, true, std::chrono::seconds(2));
  REQUIRE(wide);
  CHECK(wide->every_key);
  CHECK(wide->wait == std::chrono::milliseconds(2000)); // Retry-After, when given, is the pause
  CHECK(budget.usage().all_paused_until_ms > 0);
}

TEST_CASE("acx::acculynx::Budget: a damaged file only forgets")
{
  TempDir dir;
  const std::string file = dir.file("budget");
  std::ofstream(file) << "req key-1 not-a-number\npause\ngarbage line\nspent key-2 1 x\n";
  ::chmod(file.c_str(), 0600);
  Budget budget(file, BudgetRules{});
  CHECK(budget.usage().last_minute == 0);
  budget.done(budget.take("k"), 200, false);
  CHECK(budget.usage().last_minute == 1);
}

TEST_CASE("acx::acculynx::Budget: what a clock set back left in the future is forgotten, not waited for")
{
  TempDir dir;
  const std::string file = dir.file("budget");
  const long long later = 4'000'000'000'000LL; // the year 2096, in ms
  std::ofstream(file) << "req key-00000000 1 1 " << later << " 0\npause * " << later << " 1\n";
  ::chmod(file.c_str(), 0600);
  Budget budget(file, BudgetRules{1, 1});
  const auto began = std::chrono::steady_clock::now();
  budget.done(budget.take("k"), 200, false); // neither the request nor the pause holds it back
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(60));
  CHECK(budget.usage().all_paused_until_ms == 0);
}
