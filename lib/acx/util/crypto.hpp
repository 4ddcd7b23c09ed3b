#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "acx/util/build.hpp"
#include "acx/util/encoding.hpp"

namespace acx::util {

using Digest = std::array<std::uint8_t, 32>;

// HMAC-SHA256 of the concatenation of `parts` under `key`.
Digest hmac_sha256(std::span<const std::uint8_t> key, std::initializer_list<std::string_view> parts);

// SHA-256 of `data`.
Digest sha256(std::string_view data);

// Equal in time that depends only on the lengths, never on where the contents differ.
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// Whether two tokens are the same, in time that depends on neither their contents nor their lengths (each is compared
// through a keyed digest): for tokens a client presents.
bool same_token(std::string_view presented, std::string_view expected);

// `n` bytes from the system's cryptographic random generator; throws acx::Error if it fails.
Bytes random_bytes(std::size_t n);

// A fresh random (version 4) GUID in lower-case 8-4-4-4-12 form.
std::string new_guid();

// The OpenSSL acx was built with and the one it runs with.
Library openssl_library();

// Ed25519 (RFC 8032), for Standard Webhooks' asymmetric signatures (v1a). A secret key is its 32-byte seed.
Bytes ed25519_new_seed();
Bytes ed25519_public_key(std::span<const std::uint8_t> seed);
Bytes ed25519_sign(std::span<const std::uint8_t> seed, std::string_view message);
// Whether `signature` is `public_key`'s signature of `message`.
bool ed25519_verify(std::span<const std::uint8_t> public_key, std::string_view message,
                    std::span<const std::uint8_t> signature);

// What is wrong with a client certificate and its private key (PEM texts) for TLS: not PEM, an encrypted key, or a
// key that is not the certificate's; nullopt when they make a pair.
std::optional<std::string> key_pair_problem(std::string_view cert_pem, std::string_view key_pem);
// What is wrong with a file of trusted CA certificates (PEM): nullopt when it holds at least one certificate.
std::optional<std::string> ca_bundle_problem(std::string_view pem);

} // namespace acx::util
