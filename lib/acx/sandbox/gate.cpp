#include "acx/sandbox/gate.hpp"

#include <fmt/format.h>

#include "acx/acculynx/wire.hpp"
#include "acx/sandbox/answers.hpp"
#include "acx/util/text.hpp"
#include "acx/util/time.hpp"

namespace acx::sandbox {

namespace {

util::Digest key_digest(const std::string& key)
{
  return util::hmac_sha256(util::as_bytes("acx-sandbox-api-key"), {key});
}

std::int64_t now_ms()
{
  const auto t = util::now();
  return t.seconds * 1000 + t.ticks / 10'000;
}

} // namespace

Gate::Gate(const Options& options) : m_options(options), m_limits(options.limits)
{
  for (const auto& k : options.api_keys) {
    m_key_digests.push_back(key_digest(k));
  }
}

http::Response Gate::too_many(const Limits::Judged& judged) const
{
  const auto& rules = m_limits.rules();
  std::string detail;
  std::int64_t wait_ms = 1000;
  switch (judged.verdict) {
  case Limits::Verdict::key_limit:
    detail = fmt::format("more than {} requests a second with this API key", rules.per_key);
    break;
  case Limits::Verdict::address_limit:
    detail = fmt::format("more than {} requests a second from this address: it is banned for {}", rules.per_address,
                         util::format_duration(rules.ban));
    wait_ms = rules.ban.count();
    break;
  default:
    wait_ms = std::max<std::int64_t>(judged.banned_until_ms - now_ms(), 0);
    detail = fmt::format("this address is banned for {} more (more than {} requests a second)",
                         util::format_duration(std::chrono::milliseconds(wait_ms)), rules.per_address);
  }
  auto res = answer::problem(429, "Too Many Requests", detail);
  if (m_options.retry_after) {
    res.headers.add("Retry-After", std::to_string((wait_ms + 999) / 1000));
  }
  return res;
}

http::Handler Gate::guard(Call call, bool counted)
{
  return [this, call = std::move(call), counted](http::Request r) -> http::Response {
    const std::string* auth = r.headers.find("Authorization");
    std::string key;
    if (auth && util::to_lower(auth->substr(0, 7)) == "bearer ") {
      key = std::string(util::trim(auth->substr(7)));
    }
    // Compared through a keyed digest, so the time taken says nothing of the keys' lengths or contents.
    const auto presented = key_digest(key);
    bool known = false;
    for (const auto& k : m_key_digests) {
      known = util::constant_time_equal(k, presented) || known;
    }
    if (!known) {
      return answer::problem(401, "Unauthorized", "a valid API key is required: Authorization: Bearer <key>");
    }
    if (counted) {
      if (const auto judged = m_limits.admit(key, address_of(r.remote), now_ms());
          judged.verdict != Limits::Verdict::ok) {
        return too_many(judged);
      }
    }
    try {
      return call(r, key);
    } catch (const acculynx::wire::BadBody& e) {
      return answer::problem(400, "Bad Request", e.what());
    } catch (const Refused& e) {
      return answer::problem(e.missing ? 404 : 400, e.missing ? "Not Found" : "Bad Request", e.what());
    }
  };
}

} // namespace acx::sandbox
