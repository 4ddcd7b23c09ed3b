#!/usr/bin/env bash
# acx send -> acx listen for every scheme and every adversarial option, asserting the listener's verdicts; bad input.
source "$(dirname "$0")/lib.sh"

whsec=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
declare -A secret=([standard]=$whsec [hmac]=hmac-k [github]=gh-k [shopify]=shop-k [token]=tok-k [none]=)
metric() { curl -s "$BASE/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

for scheme in standard hmac github shopify token none; do
  s=${secret[$scheme]}
  args=(--scheme "$scheme")
  [[ -n $s ]] && args+=(--secret "$s")
  JOURNAL=$WORK/$scheme.db start_listener "${args[@]}"
  hook=$BASE/webhooks/acculynx

  run "$ACX" send job.milestone.current_changed --to "$hook" "${args[@]}"
  expect_rc 0 "$scheme: send accepted"
  expect_has "$out" 'attempt 1: 200' "$scheme: attempt line"

  run "$ACX" send contact_added --to "$hook" "${args[@]}" --duplicate 4
  expect_rc 0 "$scheme: duplicates answered 200"
  expect_eq "$(grep -c '"status":"accepted"' <<<"$out")" 1 "$scheme: one of 4 concurrent copies accepted"
  expect_eq "$(grep -c '"status":"duplicate"' <<<"$out")" 3 "$scheme: three marked duplicate"

  run "$ACX" send job_created job_updated job.invoice_updated contact_changed --to "$hook" "${args[@]}" --out-of-order
  expect_rc 0 "$scheme: out of order accepted"

  if [[ $scheme != none ]]; then
    run "$ACX" send contact_added --to "$hook" "${args[@]}" --wrong-secret --retries 0
    expect_rc 1 "$scheme: wrong secret refused"
    expect_has "$out" '"reason":"mismatch"' "$scheme: wrong secret is a mismatch"
  fi
  if [[ $scheme != none && $scheme != token ]]; then
    run "$ACX" send contact_added --to "$hook" "${args[@]}" --tamper --retries 0
    expect_rc 1 "$scheme: tampered body refused"
    expect_has "$out" '"reason":"mismatch"' "$scheme: tampered is a mismatch"
  fi
  if [[ $scheme == standard ]]; then
    run "$ACX" send contact_added --to "$hook" "${args[@]}" --skew -10m --retries 0
    expect_rc 1 "skew into the past refused"
    expect_has "$out" '"reason":"too_old"' "skew past reason"
    run "$ACX" send contact_added --to "$hook" "${args[@]}" --skew 10m --retries 0
    expect_has "$out" '"reason":"too_new"' "skew future reason"
    run "$ACX" send contact_added --to "$hook" "${args[@]}" --skew -2m
    expect_rc 0 "a skew within the tolerance is accepted"
  fi
  expect_eq "$(metric acx_deliveries_accepted_total)" $([[ $scheme == standard ]] && echo 7 || echo 6) \
    "$scheme: accepted count"
  expect_eq "$(metric acx_deliveries_duplicate_total)" 3 "$scheme: duplicate count"
  stop_listener
done

# Out of order really shuffles: the listener saw them in another order than given (try a few times).
JOURNAL=$WORK/order.db start_listener --format json
shuffled=0
for attempt in 1 2 3 4 5; do
  "$ACX" send job_created job_updated job.invoice_updated contact_changed contact_added --to "$BASE/webhooks/acculynx" \
    --scheme none --out-of-order >/dev/null
  wait_lines "$WORK/listen.out" $((attempt * 5)) "the shuffled events"
  order=$(grep -o '"topic":"[^"]*"' "$WORK/listen.out" | tail -n 5 | cut -d'"' -f4 | tr '\n' ' ')
  [[ $order != "job_created job_updated job.invoice_updated contact_changed contact_added " ]] && shuffled=1 && break
done
expect_eq "$shuffled" 1 "--out-of-order delivers in another order"

# --set edits fields (JSON values accepted), --subscription sets the id, --keep-ids keeps them.
run "$ACX" send job.milestone.current_changed --to "$BASE/webhooks/acculynx" --scheme none \
  --set event.job.milestone.name=Completed --set event.job.milestone.id=7 --set 'event.job.tags=["a","b"]' \
  --subscription 11111111-2222-4333-8444-555555555555
expect_rc 0 "send with --set"
wait_lines "$WORK/listen.out" $((attempt * 5 + 1)) "the edited event"
line=$(tail -n 1 "$WORK/listen.out")
expect_has "$line" '"name":"Completed"' "--set string"
expect_has "$line" '"id":7' "--set number"
expect_has "$line" '"tags":["a","b"]' "--set JSON array"
expect_has "$line" '"subscriptionId":"11111111-2222-4333-8444-555555555555"' "--subscription"
"$ACX" fixtures show job_created >"$WORK/fixed.json"
run "$ACX" send "$WORK/fixed.json" --to "$BASE/webhooks/acculynx" --scheme none --keep-ids
expect_has "$out" "$(grep -o '"eventId": "[^"]*"' "$WORK/fixed.json" | cut -d'"' -f4 | cut -c1-8)" "--keep-ids keeps the eventId"
cat "$WORK/fixed.json" | "$ACX" send - --to "$BASE/webhooks/acculynx" --scheme none >/dev/null
expect_eq "$?" 0 "send from standard input"
stop_listener

# One rule on both sides: the same --secret, no --scheme, is AccuLynx's token; a sender on another scheme is told.
JOURNAL=$WORK/same.db start_listener --secret tok-same
run "$ACX" send contact_added --to "$BASE/webhooks/acculynx" --secret tok-same
expect_rc 0 "the same --secret on both sides is accepted"
expect_has "$out" '"status":"accepted"' "accepted with the default scheme"
run "$ACX" send contact_added --to "$BASE/webhooks/acculynx" --secret tok-same --format json
expect_eq "$(node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); process.stdout.write(JSON.parse(r.attempts[0].body).status)' <<<"$out")" accepted "--format json carries the answer as JSON text"
expect_not_has "$out" 'x0a' "a newline in the answer is JSON's \\n, not an escape for terminals"
run "$ACX" send contact_added --to "$BASE/webhooks/acculynx" --scheme standard --secret "$whsec" --retries 0
expect_rc 1 "a standard-signed delivery to a token listener"
expect_has "$err$out" "the request carries the header webhook-signature (as --scheme standard signs): sender and receiver need the same --scheme" "the refusal names the scheme mismatch"
stop_listener

# Load mode: distinct, individually signed events over keep-alive connections, and a summary.
JOURNAL=$WORK/load.db start_listener --scheme standard --secret "$whsec" --format json
run "$ACX" send job.milestone.current_changed contact_added --to "$BASE/webhooks/acculynx" --scheme standard --secret "$whsec" \
  -n 300 -c 8 --format json
expect_rc 0 "load mode"
expect_has "$out" '"sent":300,"accepted":300,"duplicates":0,"refused":{},"errors":{}' "load summary"
expect_has "$out" '"latencyMs":{"p50":' "load latency"
wait_lines "$WORK/listen.out" 300 "the load-mode events"
expect_eq "$(wc -l <"$WORK/listen.out" | tr -d ' ')" 300 "the listener printed 300 events"
expect_eq "$(grep -o '"eventId":"[^"]*"' "$WORK/listen.out" | sort -u | wc -l | tr -d ' ')" 300 "300 distinct eventIds"
expect_eq "$(grep -c '"topic":"contact_added"' "$WORK/listen.out")" 150 "the sources alternate"
for t in job.milestone.current_changed contact_added; do
  stamp=$("$ACX" fixtures show "$t" | grep -o '"eventDateTime": "[^"]*"' | cut -d'"' -f4)
  expect_not_has "$(cat "$WORK/listen.out")" "$stamp" "load mode stamps a fresh eventDateTime ($t's fixture has $stamp)"
done
run "$ACX" send contact_added --to "$BASE/webhooks/acculynx" --scheme standard --secret "$whsec" --rate 50 --duration 1s
expect_rc 0 "rate and duration"
sent=$(awk '$1 == "sent" {print $2}' <<<"$out")
checks=$((checks + 1))
((sent >= 40 && sent <= 51)) || fail "--rate 50 --duration 1s sent $sent"
expect_has "$out" "latency     p50" "text summary"
run "$ACX" send contact_added --to "$BASE/webhooks/acculynx" --scheme standard --secret "$whsec" --wrong-secret -n 20 -c 2
expect_rc 1 "load with a wrong secret"
expect_has "$out" "refused     20  (401: 20)" "refusals by status"
# A progress bar on a terminal (script gives it one), none in a pipe.
script -qc "'$ACX' send contact_added --to '$BASE/webhooks/acculynx' --scheme standard --secret '$whsec' --rate 20 --duration 1.5s" \
  "$WORK/tty.log" >/dev/null </dev/null
expect_has "$(cat "$WORK/tty.log")" "sent, " "progress bar on a terminal"
expect_not_has "$out" "sent, " "no progress bar when piped"
run "$ACX" send contact_added --to "$BASE/webhooks/acculynx" --scheme standard --secret "$whsec" -n 5 --duplicate 2
expect_rc 2 "--duplicate does not apply to load mode"
# Interrupted: Ctrl-C prints the summary of what was sent and answered so far and exits 130; SIGTERM 143.
for sig in INT:130:unpaced TERM:143:paced; do
  IFS=: read -r name code kind <<<"$sig"
  pace=(); [[ $kind == paced ]] && pace=(--rate 200)
  before=$(wc -l <"$WORK/listen.out")
  "$ACX" send contact_added --to "$BASE/webhooks/acculynx" --scheme standard --secret "$whsec" -n 100000000 -c 2 \
    "${pace[@]}" --format json >"$WORK/interrupted.out" 2>"$WORK/interrupted.err" &
  spid=$!
  wait_until 30 "some of the load to arrive ($kind)" sh -c "test \$(wc -l <'$WORK/listen.out') -ge $((before + 20))"
  kill -"$name" "$spid"
  wait "$spid" && src=0 || src=$?
  expect_eq "$src" "$code" "SIG$name on a $kind load: exit $code"
  expect_has "$(cat "$WORK/interrupted.out")" '"interrupted":true' "SIG$name: the summary, marked interrupted"
  sent=$(grep -o '"sent":[0-9]*' "$WORK/interrupted.out" | cut -d: -f2)
  checks=$((checks + 1))
  ((${sent:-0} >= 20)) || fail "SIG$name: the summary counts what was sent ($sent)"
  expect_has "$(cat "$WORK/interrupted.err")" "acx: interrupted: the summary covers the $sent requests sent before the stop" \
    "SIG$name: says so on stderr"
done
stop_listener

# Bad input: clear errors, non-zero exits.
printf '%s' '{"hello":"world"}' >"$WORK/not-envelope.json"
run "$ACX" send "$WORK/not-envelope.json" --to http://127.0.0.1:9/x --scheme none
expect_rc 3 "not an envelope"
expect_has "$err" "$WORK/not-envelope.json is not a valid envelope: \$.topicName: missing field" "not an envelope message"
printf 'garbage' >"$WORK/garbage.json"
run "$ACX" send "$WORK/garbage.json" --to http://127.0.0.1:9/x --scheme none
expect_rc 3 "not JSON"
expect_has "$err" "$WORK/garbage.json is not JSON" "not JSON message"
run "$ACX" send job.roof_changed --to http://127.0.0.1:9/x --scheme none
expect_rc 2 "unknown topic"
expect_has "$err" "'job.roof_changed' is neither a file nor a topic with a fixture" "unknown topic message"
run "$ACX" send contact_added --to http://127.0.0.1:9/x --scheme none --set novalue
expect_rc 2 "malformed --set"
expect_has "$err" "--set 'novalue': expected PATH=VALUE" "malformed --set message"
run "$ACX" send contact_added --to http://127.0.0.1:9/x --scheme none --set topicName.x=1
expect_rc 2 "--set through a string"
expect_has "$err" "'x' is inside a string, not an object" "--set path message"
run "$ACX" send contact_added --to ftp://example/x --scheme none
expect_rc 2 "bad URL"
expect_has "$err" "only http and https are supported" "bad URL message"
run "$ACX" send contact_added --to http://127.0.0.1:9/x --scheme standard
expect_rc 2 "standard without a secret"
expect_has "$err" "--scheme standard needs at least one --secret" "secret needed"
run "$ACX" send contact_added --to http://127.0.0.1:9/x --scheme none --skew soon
expect_rc 2 "bad --skew"

finish
