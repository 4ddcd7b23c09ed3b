// Standard Webhooks (standardwebhooks.com): webhook-id, webhook-timestamp, webhook-signature: "v1,<base64>" ...
#include <algorithm>
#include <charconv>
#include <fmt/format.h>

#include "acx/signing/schemes.hpp"
#include "acx/util/crypto.hpp"
#include "acx/util/error.hpp"
#include "acx/util/text.hpp"

namespace acx::signing::detail {

namespace {

constexpr std::string_view k_symmetric = "whsec_";
constexpr std::string_view k_secret_key = "whsk_";
constexpr std::string_view k_public_key = "whpk_";

// A key of the standard: an HMAC secret (whsec_, signs and checks v1), an Ed25519 secret key (whsk_, signs v1a and
// checks it with its public half) or public key (whpk_, checks v1a only).
struct Key {
  enum class Type { hmac, secret_key, public_key };
  Type type = Type::hmac;
  util::Bytes bytes;      // the HMAC key, or the Ed25519 seed
  util::Bytes public_key; // Ed25519
};

Key decode_key(const Secret& s, std::size_t index)
{
  std::string_view text = s.reveal();
  Key k;
  if (text.starts_with(k_secret_key) || text.starts_with(k_public_key)) {
    const bool secret = text.starts_with(k_secret_key);
    auto bytes = util::base64_decode(text.substr(5));
    const std::size_t n = bytes ? bytes->size() : 0;
    if (secret && (n == 32 || n == 64)) {
      k.type = Key::Type::secret_key;
      k.bytes.assign(bytes->begin(), bytes->begin() + 32); // a 64-byte key is the seed and its public key
      k.public_key = util::ed25519_public_key(k.bytes);
      if (n == 64 && !std::equal(k.public_key.begin(), k.public_key.end(), bytes->begin() + 32)) {
        throw Error(ExitCode::usage,
                    fmt::format("--secret #{}: the whsk_ key's public half is not its seed's", index + 1));
      }
      return k;
    }
    if (!secret && n == 32) {
      k.type = Key::Type::public_key;
      k.public_key = std::move(*bytes);
      return k;
    }
    throw Error(ExitCode::usage,
                fmt::format("--secret #{} is not a Standard Webhooks {} key: expected {} followed by the base64 of {} "
                            "(acx secret new --asymmetric makes a pair)",
                            index + 1, secret ? "Ed25519 secret" : "Ed25519 public", secret ? "whsk_" : "whpk_",
                            secret ? "32 bytes (or 64: the seed and the public key)" : "32 bytes"));
  }
  if (text.starts_with(k_symmetric)) {
    text.remove_prefix(k_symmetric.size());
  }
  auto key = util::base64_decode(text);
  if (!key || key->empty()) {
    throw Error(ExitCode::usage,
                fmt::format("--secret #{} is not a Standard Webhooks secret: expected whsec_ followed by base64 "
                            "(acx secret new --scheme standard makes one), or a whsk_/whpk_ Ed25519 key",
                            index + 1));
  }
  k.bytes = std::move(*key);
  return k;
}

class StandardScheme final : public Scheme {
public:
  StandardScheme(Kind kind, const std::vector<Secret>& secrets, std::chrono::seconds tolerance)
      : m_kind(kind), m_tolerance(tolerance)
  {
    for (std::size_t i = 0; i < secrets.size(); ++i) {
      m_keys.push_back(decode_key(secrets[i], i));
    }
  }

  Kind kind() const override { return m_kind; }

  Signature sign(const SignRequest& r) const override
  {
    const std::string ts = std::to_string(r.timestamp);
    std::string signatures; // one a secret, space-separated, as the standard lists them while a secret is rotated
    for (std::size_t i = 0; i < m_keys.size(); ++i) {
      const Key& key = m_keys[i];
      signatures += signatures.empty() ? "" : " ";
      if (key.type == Key::Type::hmac) {
        signatures += "v1," + util::base64_encode(util::hmac_sha256(key.bytes, {r.id, ".", ts, ".", r.body}));
      } else if (key.type == Key::Type::secret_key) {
        const std::string content = r.id + "." + ts + "." + std::string(r.body);
        signatures += "v1a," + util::base64_encode(util::ed25519_sign(key.bytes, content));
      } else {
        throw Error(ExitCode::usage, fmt::format("--secret #{} is a whpk_ public key: it verifies; signing takes the "
                                                 "whsk_ secret key",
                                                 i + 1));
      }
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

    std::vector<util::Bytes> candidates, asymmetric; // v1 and v1a
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
      const auto version = entry.substr(0, comma);
      if (version != "v1" && version != "v1a") {
        other_versions.emplace_back(version);
        continue;
      }
      auto sig = util::base64_decode(entry.substr(comma + 1));
      if (!sig) {
        return {Reason::malformed, fmt::format("{} entry {} is not valid base64", sig_name, position)};
      }
      (version == "v1" ? candidates : asymmetric).push_back(std::move(*sig));
    }
    if (candidates.empty() && asymmetric.empty()) {
      return {Reason::malformed, other_versions.empty() ? sig_name + " is empty"
                                                        : fmt::format("{} has no v1 or v1a signature (only {})",
                                                                      sig_name, fmt::join(other_versions, ", "))};
    }
    return judge(m.body, id, ts_text, candidates, asymmetric, id_name, ts_name);
  }

private:
  // Any signature that one of the keys checks is enough (rotation: several keys, several signatures, v1 and v1a).
  Verdict judge(std::string_view body, const std::string& id, const std::string& ts, const std::vector<util::Bytes>& v1,
                const std::vector<util::Bytes>& v1a, const std::string& id_name, const std::string& ts_name) const
  {
    const std::string content = id + "." + ts + "." + std::string(body);
    std::size_t symmetric_keys = 0, asymmetric_keys = 0;
    for (const auto& key : m_keys) {
      if (key.type == Key::Type::hmac) {
        ++symmetric_keys;
        const auto expected = util::hmac_sha256(key.bytes, {id, ".", ts, ".", body});
        for (const auto& sig : v1) {
          if (util::constant_time_equal(expected, sig)) {
            return {Reason::verified, "verified"};
          }
        }
        continue;
      }
      ++asymmetric_keys;
      for (const auto& sig : v1a) {
        if (util::ed25519_verify(key.public_key, content, sig)) {
          return {Reason::verified, "verified"};
        }
      }
    }
    if ((v1.empty() || symmetric_keys == 0) && (v1a.empty() || asymmetric_keys == 0)) {
      return {Reason::mismatch,
              fmt::format("the delivery is signed {} and the secrets here check {}: give the sender's {}",
                          v1.empty() ? "v1a (Ed25519)" : "v1 (HMAC)",
                          symmetric_keys == 0 ? "only v1a (whsk_/whpk_ keys)" : "only v1 (whsec_ secrets)",
                          v1.empty() ? "whpk_ public key" : "whsec_ secret")};
    }
    return {Reason::mismatch,
            fmt::format("no signature matched ({}, {}): the secret is wrong, or the body, {} or {} was altered",
                        util::plural(v1.size() + v1a.size(), "signature"), util::plural(m_keys.size(), "secret"),
                        id_name, ts_name)};
  }

  Kind m_kind;
  std::vector<Key> m_keys;
  std::chrono::seconds m_tolerance;
};

} // namespace

std::unique_ptr<Scheme> make_standard(Kind kind, const std::vector<Secret>& secrets, std::chrono::seconds tolerance)
{
  return std::make_unique<StandardScheme>(kind, secrets, tolerance);
}

} // namespace acx::signing::detail
