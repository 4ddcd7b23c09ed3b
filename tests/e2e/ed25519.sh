#!/usr/bin/env bash
# Standard Webhooks v1a (Ed25519) against an independent implementation, OpenSSL's command line, both ways: acx's
# signatures verify with `openssl pkeyutl -verify`, and a signature `openssl pkeyutl -sign` made verifies with acx
# verify and acx listen; several keys and mixed v1/v1a signatures verify as the specification says.
source "$(dirname "$0")/lib.sh"

body="$WORK/body.json"
"$ACX" fixtures show job_created --fresh >"$body"
b64() { base64 -w0; }
unb64() { base64 -d; }
# The DER prefixes of an Ed25519 key (RFC 8410): SubjectPublicKeyInfo and PKCS#8, followed by the 32 raw bytes.
spki_prefix=302a300506032b6570032100
pkcs8_prefix=302e020100300506032b657004220420
hex_bytes() { node -e 'process.stdout.write(Buffer.from(require("fs").readFileSync(0, "utf8"), "hex"))'; }

# acx secret new --asymmetric: two lines, whsk_ (64 bytes: seed and public key) and whpk_ (32 bytes).
run "$ACX" secret new --asymmetric
expect_rc 0 "secret new --asymmetric"
sk=$(sed -n 1p <<<"$out")
pk=$(sed -n 2p <<<"$out")
expect_eq "${sk:0:5}${pk:0:5}" "whsk_whpk_" "a whsk_ secret key and a whpk_ public key"
expect_eq "$(printf '%s' "${sk#whsk_}" | unb64 | wc -c)" 64 "the secret key: the seed and the public key"
expect_eq "$(printf '%s' "${pk#whpk_}" | unb64 | wc -c)" 32 "the public key: 32 bytes"
run "$ACX" secret new --asymmetric --format json
expect_has "$out" '"publicKey":"whpk_' "JSON: secretKey and publicKey"

# 1. acx signs; OpenSSL verifies with the public key.
run "$ACX" sign --scheme standard --secret "$sk" "$body" --format json
expect_rc 0 "sign with whsk_"
id=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).headers["webhook-id"])' "$out")
ts=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).headers["webhook-timestamp"])' "$out")
sig=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).headers["webhook-signature"])' "$out")
expect_eq "${sig:0:4}" "v1a," "a v1a signature"
{ printf '%s.%s.' "$id" "$ts"; cat "$body"; } >"$WORK/content"
printf '%s' "${sig#v1a,}" | unb64 >"$WORK/acx.sig"
{ printf '%s' "$spki_prefix" | hex_bytes; printf '%s' "${pk#whpk_}" | unb64; } >"$WORK/acx-pub.der"
run openssl pkeyutl -verify -pubin -inkey "$WORK/acx-pub.der" -keyform DER -rawin -in "$WORK/content" \
  -sigfile "$WORK/acx.sig"
expect_rc 0 "openssl verifies acx's v1a signature with the whpk_ key"
run "$ACX" verify --scheme standard --secret "$pk" -H "webhook-id: $id" -H "webhook-timestamp: $ts" \
  -H "webhook-signature: $sig" "$body"
expect_eq "$out" verified "acx verify with the whpk_ key"

# 2. OpenSSL signs; acx verifies.
openssl genpkey -algorithm ed25519 -out "$WORK/ossl.pem" 2>/dev/null
openssl pkey -in "$WORK/ossl.pem" -pubout -outform DER 2>/dev/null | tail -c 32 >"$WORK/ossl.pub"
openssl pkey -in "$WORK/ossl.pem" -outform DER 2>/dev/null | tail -c 32 >"$WORK/ossl.seed"
ossl_pk="whpk_$(b64 <"$WORK/ossl.pub")"
ossl_sk="whsk_$(b64 <"$WORK/ossl.seed")" # a 32-byte seed is taken too
ts=$(date +%s)
{ printf 'msg_openssl.%s.' "$ts"; cat "$body"; } >"$WORK/content2"
openssl pkeyutl -sign -inkey "$WORK/ossl.pem" -rawin -in "$WORK/content2" -out "$WORK/ossl.sig"
ossl_sig="v1a,$(b64 <"$WORK/ossl.sig")"
headers=(-H "webhook-id: msg_openssl" -H "webhook-timestamp: $ts")
run "$ACX" verify --scheme standard --secret "$ossl_pk" "${headers[@]}" -H "webhook-signature: $ossl_sig" "$body"
expect_eq "$out" verified "acx verifies OpenSSL's v1a signature with its whpk_ key"
run "$ACX" verify --scheme standard --secret "$ossl_sk" "${headers[@]}" -H "webhook-signature: $ossl_sig" "$body"
expect_eq "$out" verified "and with the whsk_ seed (its public half)"
run "$ACX" sign --scheme standard --secret "$ossl_sk" --id msg_openssl --timestamp "$ts" "$body" --format json
expect_has "$out" "$ossl_sig" "acx's signature with OpenSSL's seed is OpenSSL's (Ed25519 is deterministic)"
run "$ACX" verify --scheme standard --secret "$pk" "${headers[@]}" -H "webhook-signature: $ossl_sig" "$body"
expect_rc 1 "another key's signature fails"
expect_has "$err" "no signature matched" "and says no signature matched"

# 3. Several keys and mixed signatures: a delivery signed with a whsec_ secret and a whsk_ key carries v1 and v1a;
#    a receiver holding either verifies it; one holding a key of the other kind only says what it lacks.
whsec=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
run "$ACX" sign --scheme standard --secret "$whsec" --secret "$sk" "$body" --format json
mixed=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).headers["webhook-signature"])' "$out")
mid=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).headers["webhook-id"])' "$out")
mts=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).headers["webhook-timestamp"])' "$out")
expect_has "$mixed" "v1," "a v1 signature"
expect_has "$mixed" " v1a," "and a v1a one, space-separated"
mixed_headers=(-H "webhook-id: $mid" -H "webhook-timestamp: $mts" -H "webhook-signature: $mixed")
for key in "$whsec" "$pk" "$ossl_pk,$pk"; do
  args=()
  IFS=, read -ra keys <<<"$key"
  for k in "${keys[@]}"; do args+=(--secret "$k"); done
  run "$ACX" verify --scheme standard "${args[@]}" "${mixed_headers[@]}" "$body"
  expect_eq "$out" verified "mixed signatures verify with ${key:0:10}..."
done
run "$ACX" verify --scheme standard --secret "$ossl_pk" -H "webhook-id: $id" -H "webhook-timestamp: $(date +%s)" \
  -H "webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=" "$body"
expect_rc 1 "a v1-only delivery and only a whpk_ key"
expect_has "$err" "give the sender's whsec_ secret" "says what is missing"
run "$ACX" sign --scheme standard --secret "$pk" "$body"
expect_rc 2 "signing with a public key"
expect_has "$err" "whpk_ public key: it verifies" "says to sign with the whsk_ key"
run "$ACX" verify --scheme standard --secret "whpk_AAAA" "${mixed_headers[@]}" "$body"
expect_rc 2 "a whpk_ key of the wrong length"
expect_not_has "$err" "whpk_AAAA" "the key is not echoed"

# 4. acx listen with the public key takes acx send's v1a deliveries, and refuses another key's.
start_listener --scheme standard --secret "$pk"
run "$ACX" send job_created --to "$BASE/webhooks/acculynx" --scheme standard --secret "$sk"
expect_rc 0 "listen --secret whpk_ takes a delivery signed with the whsk_ key"
run "$ACX" send job_created --to "$BASE/webhooks/acculynx" --scheme standard --secret "$ossl_sk" --retries 0
expect_rc 1 "and refuses one signed with another key"
stop_listener
finish
