#!/usr/bin/env bash
# acx sign | acx verify round trips for every scheme, and the diagnosis of each kind of failure.
source "$(dirname "$0")/lib.sh"

body="$WORK/body.json"
"$ACX" fixtures show job.milestone.current_changed --fresh >"$body"
printf '%s' "$(cat "$body") " >"$WORK/tampered.json"

whsec=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
declare -A secret=([standard]=$whsec [hmac]=s3cret [github]=s3cret [shopify]=s3cret [token]=t0k3n [none]=)

for scheme in standard hmac github shopify token none; do
  s=${secret[$scheme]}
  args=(--scheme "$scheme")
  [[ -n $s ]] && args+=(--secret "$s")
  run "$ACX" sign "${args[@]}" --url http://127.0.0.1:8787/webhooks/acculynx "$body"
  expect_rc 0 "$scheme: sign"
  printf '%s\n' "$out" >"$WORK/$scheme.headers"
  url=http://127.0.0.1:8787/webhooks/acculynx
  [[ $scheme == token ]] && url=$(tail -n 1 "$WORK/$scheme.headers")

  run "$ACX" verify "${args[@]}" -H "@$WORK/$scheme.headers" --url "$url" "$body"
  expect_rc 0 "$scheme: verify own signature"
  expect_eq "$out" verified "$scheme: verify prints verified"

  # The body from standard input, as in a pipe.
  out=$("$ACX" verify "${args[@]}" -H "@$WORK/$scheme.headers" --url "$url" - <"$body" 2>&1) && rc=0 || rc=$?
  expect_rc 0 "$scheme: verify from stdin"

  [[ $scheme == none ]] && continue
  if [[ $scheme != token ]]; then
    run "$ACX" verify "${args[@]}" -H "@$WORK/$scheme.headers" "$WORK/tampered.json"
    expect_rc 1 "$scheme: tampered body fails"
    expect_has "$err" "not verified (mismatch): no signature matched" "$scheme: tampered reason"
  fi
  wrong=wrong-secret
  [[ $scheme == standard ]] && wrong=whsec_c2Vjb25kLXNlY3JldC1vZi0yNC1ieXRlcw==
  run "$ACX" verify --scheme "$scheme" --secret "$wrong" -H "@$WORK/$scheme.headers" --url "$url" "$body"
  expect_rc 1 "$scheme: wrong secret fails"
  expect_has "$err" "(mismatch)" "$scheme: wrong secret reason"
  expect_not_has "$err" "$wrong" "$scheme: the secret is not echoed"
  expect_not_has "$err" "$s" "$scheme: the real secret is not echoed"

  # Rotation: the old and the new secret, either matches.
  run "$ACX" verify --scheme "$scheme" --secret "$wrong" --secret "$s" -H "@$WORK/$scheme.headers" --url "$url" "$body"
  expect_rc 0 "$scheme: rotation"
done

# Standard Webhooks: the timestamp diagnosis.
now=$(date +%s)
old=$((now - 3600))
run "$ACX" sign --scheme standard --secret "$whsec" --timestamp "$old" "$body"
printf '%s\n' "$out" >"$WORK/old.headers"
run "$ACX" verify --scheme standard --secret "$whsec" --now "$now" -H "@$WORK/old.headers" "$body"
expect_rc 1 "stale timestamp fails"
expect_has "$err" "not verified (too_old): timestamp is 3600 s in the past, beyond the tolerance of 300 s" "stale reason"
run "$ACX" verify --scheme standard --secret "$whsec" --tolerance 2h -H "@$WORK/old.headers" "$body"
expect_rc 0 "a wider --tolerance accepts it"
future=$((now + 900))
run "$ACX" sign --scheme standard --secret "$whsec" --timestamp "$future" "$body"
printf '%s\n' "$out" >"$WORK/future.headers"
run "$ACX" verify --scheme standard --secret "$whsec" --now "$now" --format json -H "$(sed -n 1p "$WORK/future.headers")" \
  -H "$(sed -n 2p "$WORK/future.headers")" -H "$(sed -n 3p "$WORK/future.headers")" "$body"
expect_rc 1 "future timestamp fails"
expect_has "$out" '"verified":false' "json verdict"
expect_has "$out" '"reason":"too_new"' "json reason"
expect_has "$out" '"detail":"timestamp is 900 s in the future' "json detail"

# Several secrets when signing: one signature each (standard), each verifying alone; elsewhere a usage error.
other=whsec_c2Vjb25kLXNlY3JldC1vZi0yNC1ieXRlcw==
run "$ACX" sign --scheme standard --secret "$whsec" --secret "$other" "$body"
expect_rc 0 "standard: sign with two secrets"
printf '%s\n' "$out" >"$WORK/two.headers"
expect_eq "$(grep -o 'v1,' "$WORK/two.headers" | wc -l)" 2 "two secrets: two signatures in webhook-signature"
for s in "$whsec" "$other"; do
  run "$ACX" verify --scheme standard --secret "$s" -H "@$WORK/two.headers" "$body"
  expect_rc 0 "a signature made with two secrets verifies with either alone"
done
printf '%s\n%s\n' "$whsec" "$other" >"$WORK/two.secrets" && chmod 600 "$WORK/two.secrets"
run "$ACX" sign --scheme standard --secret-file "$WORK/two.secrets" "$body"
expect_eq "$(printf '%s' "$out" | grep -o 'v1,' | wc -l)" 2 "--secret-file with two lines: two signatures"
run "$ACX" sign --scheme hmac --secret one --secret two "$body"
expect_rc 2 "hmac with two secrets is refused, not signed with the first"
expect_has "$err" "--scheme hmac carries one signature" "the refusal says why"

sed 's/^webhook-/svix-/' "$WORK/standard.headers" >"$WORK/svix.headers"
run "$ACX" verify --scheme standard --secret "$whsec" -H "@$WORK/svix.headers" "$body"
expect_rc 0 "Svix-branded headers (svix-id, svix-timestamp, svix-signature) verify"

run "$ACX" verify --scheme standard --secret "$whsec" -H 'webhook-id: x' "$body"
expect_rc 1 "missing headers fail"
expect_has "$err" "not verified (missing): missing headers webhook-timestamp, webhook-signature" "missing reason"

# A URL without a token is missing one (the listener's path holds none); a token in the last segment is read there.
run "$ACX" verify --scheme token --secret tok --url "http://127.0.0.1:8787/webhooks/acculynx" "$body"
expect_rc 1 "no token in the URL"
expect_has "$err" "not verified (missing)" "no token is reported missing"
run "$ACX" verify --scheme token --secret tok --url "http://127.0.0.1:8787/webhooks/acculynx/tok" "$body"
expect_rc 0 "a token in the last path segment"

# The published test vector, end to end.
printf '%s' '{"test": 2432232314}' >"$WORK/vector.json"
run "$ACX" sign --scheme standard --secret "$whsec" --id msg_p5jXN8AQM9LWM0D4loKWxJek --timestamp 1614265330 "$WORK/vector.json"
expect_has "$out" "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" "test vector"
run "$ACX" sign --scheme standard --secret "$whsec" --id msg_1 --timestamp 1614265330 --format json "$WORK/vector.json"
expect_has "$out" '{"scheme":"standard","headers":{"webhook-id":"msg_1","webhook-timestamp":"1614265330","webhook-signature":"v1,' "sign --format json"

finish
