#include "acx/deliver/retry.hpp"

#include <thread>

#include <ctime>
#include <string>

#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::deliver {

Next classify(const http::Exchange& e)
{
  if (e.status >= 200 && e.status < 300) {
    return Next::done;
  }
  if (e.status == 0 && e.permanent) {
    return Next::give_up;
  }
  if (e.status == 0 || e.status == 408 || e.status == 429 || e.status >= 500) {
    return Next::retry;
  }
  return Next::give_up;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::int64_t now)
{
  value = util::trim(value);
  if (value.empty()) {
    return std::nullopt;
  }
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) {
      return std::nullopt;
    }
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') {
    return std::nullopt;
  }
  const std::int64_t when = ::timegm(&tm);
  return std::chrono::seconds(std::max<std::int64_t>(0, when - now));
}

std::chrono::milliseconds backoff(int attempt, const RetryPolicy& policy,
                                  std::optional<std::chrono::seconds> retry_after, std::mt19937_64& random)
{
  using std::chrono::milliseconds;
  if (retry_after) {
    return std::min<milliseconds>(*retry_after, policy.ceiling);
  }
  const int doublings = std::min(attempt - 1, 30);
  const double full = static_cast<double>(policy.base.count()) * static_cast<double>(1ULL << doublings);
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  const double wait = std::min(full * jitter(random), static_cast<double>(policy.ceiling.count()));
  return milliseconds(static_cast<std::int64_t>(wait));
}

std::optional<std::chrono::milliseconds> retry_wait(const http::Exchange& exchange, int attempt,
                                                    const RetryPolicy& policy, std::mt19937_64& random)
{
  if (classify(exchange) != Next::retry || attempt > policy.retries) {
    return std::nullopt;
  }
  std::optional<std::chrono::seconds> retry_after;
  if (const std::string* value = exchange.headers.find("Retry-After")) {
    retry_after = parse_retry_after(*value, util::now_unix());
  }
  return backoff(attempt, policy, retry_after, random);
}

http::Exchange keep_trying(const std::function<http::Exchange(int attempt, std::chrono::milliseconds waited)>& attempt,
                           const WaitAfter& wait_after)
{
  std::chrono::milliseconds waited{0};
  for (int n = 1;; ++n) {
    if (waited.count() > 0) {
      std::this_thread::sleep_for(waited);
    }
    http::Exchange e = attempt(n, waited);
    const auto wait = wait_after(e, n);
    if (!wait) {
      return e;
    }
    waited = *wait;
  }
}

} // namespace acx::deliver
