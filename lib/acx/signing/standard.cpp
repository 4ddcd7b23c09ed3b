// Standard Webhooks (standardwebhooks.com): webhook-id, webhook-timestamp, webhook-signature: "v1,<base64>" ...
#include <charconv>
#include <fmt/format.h>

#include "acx/signing/schemes.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::signing::detail {

namespace {

constexpr std::string_view k_prefix = "whsec_";

util::Bytes decode_secret(const Secret& s, std::size_t index)
{
  std::string_view text = s.reveal();
  if (text.starts_with(k_prefix)) {
    text.remove_prefix(k_prefix.size());
  }
  auto key = util::base64_decode(text);
  if (!key || key->empty()) {
    throw Error(ExitCode::usage,
                fmt::format("--secret #{} is not a Standard Webhooks secret: expected whsec_ followed by base64 "
                            "(acx secret new --scheme standard makes one)",
                            index + 1));
  }
  return std::move(*key);
}

class StandardScheme final : public Scheme {
public:
  StandardScheme(Kind kind, const std::vector<Secret>& secrets, std::chrono::seconds tolerance)
      : m_kind(kind), m_tolerance(tolerance)
  {
    for (std::size_t i = 0; i < secrets.size(); ++i) {
      m_keys.push_back(decode_secret(secrets[i], i));
    }
  }

  Kind kind() const override { return m_kind; }

  Signature sign(const SignRequest& r) const override
  {
    const std::string ts = std::to_string(r.timestamp);
    std::string signatures; // one a secret, space-separated, as the standard lists them while a secret is rotated
    for (const auto& key : m_keys) {
      const auto mac = util::hmac_sha256(key, {r.id, ".", ts, ".", r.body});
      signatures += (signatures.empty() ? "v1," : " v1,") + util::base64_encode(mac);
    }
    const std::string prefix = m_kind == Kind::svix ? "svix-" : "webhook-";
    util::Headers h;
    h.add(prefix + "id", r.id);
    h.add(prefix + "timestamp", ts);
    h.add(prefix + "signature", signatures);
    return {std::move(h), r.url};
  }

  Verdict verify(const Message& m, std::int64_t now) const override
  {
    // The standard's headers, or Svix's names for the same three (what Svix sends in production) when the request
    // carries those and not the standard's.
    const bool svix = !m.headers.find("webhook-id") && !m.headers.find("webhook-signature") &&
                      (m.headers.find("svix-id") || m.headers.find("svix-signature"));
    const std::string prefix = svix ? "svix-" : "webhook-";
    const std::string id_name = prefix + "id";
    const std::string ts_name = prefix + "timestamp";
    const std::string sig_name = prefix + "signature";
    std::vector<std::string_view> absent;
    for (const std::string* name : {&id_name, &ts_name, &sig_name}) {
      if (!m.headers.find(*name)) {
        absent.emplace_back(*name);
      }
    }
    if (!absent.empty()) {
      return {Reason::missing,
              fmt::format("missing header{} {}", absent.size() > 1 ? "s" : "", fmt::join(absent, ", "))};
    }
    const std::string& id = *m.headers.find(id_name);
    const std::string& ts_text = *m.headers.find(ts_name);
    const std::string& sig_text = *m.headers.find(sig_name);

    std::int64_t ts = 0;
    const auto [end, ec] = std::from_chars(ts_text.data(), ts_text.data() + ts_text.size(), ts);
    if (ec != std::errc() || end != ts_text.data() + ts_text.size() || ts_text.empty()) {
      return {Reason::malformed, fmt::format("{} is not Unix seconds: \"{}\"", ts_name, util::excerpt(ts_text, 40))};
    }
    const std::int64_t tol = m_tolerance.count();
    if (ts < now - tol) {
      return {Reason::too_old,
              fmt::format("timestamp is {} s in the past, beyond the tolerance of {} s", now - ts, tol)};
    }
    if (ts > now + tol) {
      return {Reason::too_new,
              fmt::format("timestamp is {} s in the future, beyond the tolerance of {} s", ts - now, tol)};
    }

    std::vector<util::Bytes> candidates;
    std::vector<std::string> other_versions;
    std::size_t position = 0;
    for (std::string_view entry : util::split(sig_text, ' ')) {
      if (entry.empty()) {
        continue;
      }
      ++position;
      const auto comma = entry.find(',');
      if (comma == std::string_view::npos || comma == 0) {
        return {Reason::malformed, fmt::format("{} entry {} is not of the form v1,<base64>: \"{}\"", sig_name, position,
                                               util::excerpt(entry, 40))};
      }
      if (entry.substr(0, comma) != "v1") {
        other_versions.emplace_back(entry.substr(0, comma));
        continue;
      }
      auto sig = util::base64_decode(entry.substr(comma + 1));
      if (!sig) {
        return {Reason::malformed, fmt::format("{} entry {} is not valid base64", sig_name, position)};
      }
      candidates.push_back(std::move(*sig));
    }
    if (candidates.empty()) {
      return {Reason::malformed, other_versions.empty() ? sig_name + " is empty"
                                                        : fmt::format("{} has no v1 signature (only {})", sig_name,
                                                                      fmt::join(other_versions, ", "))};
    }

    for (const auto& key : m_keys) {
      const auto expected = util::hmac_sha256(key, {id, ".", ts_text, ".", m.body});
      for (const auto& sig : candidates) {
        if (util::constant_time_equal(expected, sig)) {
          return {Reason::verified, "verified"};
        }
      }
    }
    return {Reason::mismatch,
            fmt::format("no signature matched ({}, {}): the secret is wrong, or the body, {} or {} was altered",
                        util::plural(candidates.size(), "signature"), util::plural(m_keys.size(), "secret"), id_name,
                        ts_name)};
  }

private:
  Kind m_kind;
  std::vector<util::Bytes> m_keys;
  std::chrono::seconds m_tolerance;
};

} // namespace

std::unique_ptr<Scheme> make_standard(Kind kind, const std::vector<Secret>& secrets, std::chrono::seconds tolerance)
{
  return std::make_unique<StandardScheme>(kind, secrets, tolerance);
}

} // namespace acx::signing::detail
