#!/usr/bin/env bash
# acx sign + curl into acx listen for each scheme; duplicates, a wrong secret, a stale timestamp; HTTPS.
source "$(dirname "$0")/lib.sh"

whsec=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
declare -A secret=([standard]=$whsec [hmac]=hmac-s3cret [github]=gh-s3cret [shopify]=shop-s3cret [token]=t0k3n)

for scheme in standard hmac github shopify token; do
  s=${secret[$scheme]}
  old=old-secret-rotated-out
  [[ $scheme == standard ]] && old=whsec_$(printf 'old-secret-of-24-bytes!!' | base64)
  JOURNAL=$WORK/$scheme.db start_listener --scheme "$scheme" --secret "$old" --secret "$s"
  "$ACX" fixtures show job.milestone.current_changed --fresh >"$WORK/ev.json"
  "$ACX" sign --scheme "$scheme" --secret "$s" --url "$BASE/webhooks/acculynx" "$WORK/ev.json" >"$WORK/signed"
  url=$BASE/webhooks/acculynx
  if [[ $scheme == token ]]; then url=$(tail -n 1 "$WORK/signed"); : >"$WORK/signed"; fi

  post "$url" "$WORK/ev.json" -H "@$WORK/signed"
  expect_eq "$status" 200 "$scheme: signed delivery accepted"
  post "$url" "$WORK/ev.json" -H "@$WORK/signed"
  expect_has "$body" '"status":"duplicate"' "$scheme: same delivery again is a duplicate"

  "$ACX" fixtures show contact_added --fresh >"$WORK/ev2.json"
  if [[ $scheme == token ]]; then
    post "$BASE/webhooks/acculynx?token=wrong" "$WORK/ev2.json"
  else
    wrong=wrong-secret
    [[ $scheme == standard ]] && wrong=whsec_c2Vjb25kLXNlY3JldC1vZi0yNC1ieXRlcw==
    "$ACX" sign --scheme "$scheme" --secret "$wrong" "$WORK/ev2.json" >"$WORK/wrong"
    post "$url" "$WORK/ev2.json" -H "@$WORK/wrong"
  fi
  expect_eq "$status" 401 "$scheme: wrong secret refused"
  expect_has "$body" '"reason":"mismatch"' "$scheme: wrong secret reason"

  if [[ $scheme != token ]]; then
    # The signature of one body with another body: altered in transit.
    post "$url" "$WORK/ev2.json" -H "@$WORK/signed"
    expect_eq "$status" 401 "$scheme: tampered body refused"
    post "$url" "$WORK/ev2.json"
    expect_eq "$status" 401 "$scheme: unsigned refused"
    expect_has "$body" '"reason":"missing"' "$scheme: unsigned reason"
  fi
  stop_listener
  expect_eq "$(wc -l <"$WORK/listen.out" | tr -d ' ')" 1 "$scheme: one event printed"
  expect_not_has "$(cat "$WORK/listen.err")" "$s" "$scheme: the secret never reaches stderr"
done

# A stale Standard Webhooks timestamp, and --tolerance.
JOURNAL=$WORK/stale.db start_listener --scheme standard --secret "$whsec" --tolerance 10m
"$ACX" fixtures show job_created --fresh >"$WORK/ev.json"
"$ACX" sign --scheme standard --secret "$whsec" --timestamp $(($(date +%s) - 3600)) "$WORK/ev.json" >"$WORK/stale"
post "$BASE/webhooks/acculynx" "$WORK/ev.json" -H "@$WORK/stale"
expect_eq "$status" 401 "stale timestamp refused"
expect_has "$body" '"reason":"too_old"' "stale reason"
expect_has "$body" "in the past, beyond the tolerance of 600 s" "stale detail"
"$ACX" sign --scheme standard --secret "$whsec" --timestamp $(($(date +%s) - 300)) "$WORK/ev.json" >"$WORK/recent"
post "$BASE/webhooks/acculynx" "$WORK/ev.json" -H "@$WORK/recent"
expect_eq "$status" 200 "within --tolerance"
# What Svix sends in production: the same three headers named svix-id, svix-timestamp, svix-signature.
"$ACX" fixtures show job_created --fresh >"$WORK/ev.json"
"$ACX" sign --scheme standard --secret "$whsec" "$WORK/ev.json" | sed 's/^webhook-/svix-/' >"$WORK/svix"
post "$BASE/webhooks/acculynx" "$WORK/ev.json" -H "@$WORK/svix"
expect_eq "$status" 200 "Svix-branded headers verify under --scheme standard"
stop_listener

# HTTPS with a self-signed certificate.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
JOURNAL=$WORK/tls.db start_listener --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
expect_has "$(cat "$WORK/listen.err")" "listening on https://127.0.0.1:$PORT" "https address"
post "https://127.0.0.1:$PORT/webhooks/acculynx" "$WORK/ev.json" --cacert "$WORK/cert.pem"
expect_eq "$status" 200 "delivery over HTTPS"
expect_eq "$(curl -s --cacert "$WORK/cert.pem" "https://127.0.0.1:$PORT/healthz")" ok "healthz over HTTPS"
# An untrusted certificate is not a passing fault: one attempt, and the way past it said.
run "$ACX" send job_created --to "https://127.0.0.1:$PORT/webhooks/acculynx" --scheme none --format json
expect_rc 5 "send to an untrusted certificate"
expect_eq "$(grep -o '"attempt":' <<<"$out$err" | wc -l)" 1 "an untrusted certificate is tried once"
expect_has "$out$err" "TLS certificate is not trusted" "the certificate is named as the cause"
expect_has "$out$err" "-k/--insecure" "and -k is offered"
run "$ACX" send job_created --to "https://127.0.0.1:$PORT/webhooks/acculynx" --scheme none -k
expect_rc 0 "send -k to a self-signed certificate"
stop_listener
run "$ACX" listen --port 0 --journal "$WORK/tls2.db" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/missing.pem"
expect_rc 3 "missing TLS key"
expect_has "$err" "cannot load the TLS certificate $WORK/cert.pem and key $WORK/missing.pem" "TLS message"
run "$ACX" listen --port 0 --journal "$WORK/tls3.db" --tls-cert "$WORK/cert.pem"
expect_rc 2 "cert without key"

finish
