#include "acx/util/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <fmt/format.h>

#include "acx/util/error.hpp"

namespace acx::util {

Digest sha256(std::string_view data)
{
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size()) {
    throw Error(ExitCode::internal, "OpenSSL could not compute SHA-256");
  }
  return out;
}

Digest hmac_sha256(std::span<const std::uint8_t> key, std::initializer_list<std::string_view> parts)
{
  Digest out{};
  // Fetching the algorithm is costly; the fetched object is immutable and safe to share between threads.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0), OSSL_PARAM_construct_end()};
  // An empty key is legal for HMAC; OpenSSL wants a non-null pointer for it.
  static const std::uint8_t empty = 0;
  bool ok = ctx && EVP_MAC_init(ctx, key.empty() ? &empty : key.data(), key.size(), params) == 1;
  for (auto part : parts) {
    ok = ok && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1;
  }
  std::size_t len = 0;
  ok = ok && EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size();
  EVP_MAC_CTX_free(ctx);
  if (!ok) {
    throw Error(ExitCode::internal, "OpenSSL could not compute HMAC-SHA256");
  }
  return out;
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b)
{
  if (a.size() != b.size()) {
    return false;
  }
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Bytes random_bytes(std::size_t n)
{
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw Error(ExitCode::internal, "the system's random generator failed");
  }
  return out;
}

std::string new_guid()
{
  auto b = random_bytes(16);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
  const std::string h = hex_encode(b);
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4), h.substr(20));
}

util::Library openssl_library()
{
  return {"OpenSSL", OPENSSL_VERSION_TEXT, OpenSSL_version(OPENSSL_VERSION)};
}

bool same_token(std::string_view presented, std::string_view expected)
{
  const auto a = hmac_sha256(as_bytes("acx-token"), {presented});
  const auto b = hmac_sha256(as_bytes("acx-token"), {expected});
  return constant_time_equal(a, b);
}

namespace {

// A BIO over PEM text, freed with it.
struct PemBio {
  BIO* bio;
  explicit PemBio(std::string_view pem) : bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))) {}
  ~PemBio() { BIO_free(bio); }
  PemBio(const PemBio&) = delete;
  PemBio& operator=(const PemBio&) = delete;
};

// A passphrase callback that gives none: an encrypted key is refused, never prompted for.
int no_passphrase(char*, int, int, void*)
{
  return -1;
}

} // namespace

namespace {

// An EVP_PKEY, freed with it.
struct Pkey {
  EVP_PKEY* key;
  ~Pkey() { EVP_PKEY_free(key); }
};

Pkey ed25519_private(std::span<const std::uint8_t> seed)
{
  Pkey k{EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size())};
  if (!k.key) {
    throw Error(ExitCode::internal, "OpenSSL cannot make an Ed25519 key");
  }
  return k;
}

} // namespace

Bytes ed25519_new_seed()
{
  return random_bytes(32);
}

Bytes ed25519_public_key(std::span<const std::uint8_t> seed)
{
  const Pkey k = ed25519_private(seed);
  Bytes out(32);
  std::size_t n = out.size();
  if (EVP_PKEY_get_raw_public_key(k.key, out.data(), &n) != 1 || n != 32) {
    throw Error(ExitCode::internal, "OpenSSL cannot give an Ed25519 public key");
  }
  return out;
}

Bytes ed25519_sign(std::span<const std::uint8_t> seed, std::string_view message)
{
  const Pkey k = ed25519_private(seed);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Bytes out(64);
  std::size_t n = out.size();
  const bool ok =
      ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, k.key) == 1 &&
      EVP_DigestSign(ctx, out.data(), &n, reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || n != 64) {
    throw Error(ExitCode::internal, "OpenSSL cannot sign with Ed25519");
  }
  return out;
}

bool ed25519_verify(std::span<const std::uint8_t> public_key, std::string_view message,
                    std::span<const std::uint8_t> signature)
{
  if (public_key.size() != 32 || signature.size() != 64) {
    return false;
  }
  const Pkey k{EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size())};
  if (!k.key) {
    return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, k.key) == 1 &&
                  EVP_DigestVerify(ctx, signature.data(), signature.size(),
                                   reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

std::optional<std::string> key_pair_problem(std::string_view cert_pem, std::string_view key_pem)
{
  PemBio cert_bio(cert_pem), key_bio(key_pem);
  X509* cert = PEM_read_bio_X509(cert_bio.bio, nullptr, no_passphrase, nullptr);
  if (!cert) {
    return "the certificate is not a PEM certificate";
  }
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.bio, nullptr, no_passphrase, nullptr);
  if (!key) {
    X509_free(cert);
    return "the key is not a PEM private key (or it is encrypted: acx takes none)";
  }
  const bool pair = X509_check_private_key(cert, key) == 1;
  EVP_PKEY_free(key);
  X509_free(cert);
  ERR_clear_error();
  return pair ? std::nullopt : std::optional<std::string>("the key is not the certificate's: they do not match");
}

std::optional<std::string> ca_bundle_problem(std::string_view pem)
{
  PemBio bio(pem);
  X509* cert = PEM_read_bio_X509(bio.bio, nullptr, no_passphrase, nullptr);
  ERR_clear_error();
  if (!cert) {
    return "it holds no PEM certificate";
  }
  X509_free(cert);
  return std::nullopt;
}

} // namespace acx::util
