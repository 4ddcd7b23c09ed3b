#!/usr/bin/env bash
# acx sandbox + acx subscribe + acx listen --profile, all on loopback: registration, deliveries checked by token,
# update, list over pages, delete, errors, rate limits, the config file's mode, and no secret on stderr.
source "$(dirname "$0")/lib.sh"
export XDG_CONFIG_HOME=$WORK/config
unset ACX_API_KEY ACX_API_BASE

start_sandbox() {
  rm -f "$WORK/sbx.ready"
  bg "$ACX" sandbox --port 0 --data-dir "${SBX_DIR:-$WORK/sbx}" --api-key k1 --api-key k2 --api-key k3 --ready-file "$WORK/sbx.ready" "$@" \
    >"$WORK/sbx.out" 2>"$WORK/sbx.err"
  SPID=$BGPID
  ERRFILE=$WORK/sbx.err wait_ready "$WORK/sbx.ready" "$SPID" sandbox || finish
  SBX=http://127.0.0.1:$(cut -d: -f2 "$WORK/sbx.ready")
  API=$SBX/webhooks/v2
}
start_sandbox

# A port of its own for the listeners below (each subscription names it; they come and go on it), then a subscription.
LPORT=$(quiet_port)
run "$ACX" subscribe --url "http://127.0.0.1:$LPORT/hooks/acculynx" --topic job.milestone.current_changed \
  --topic contact_added --contact ops@example.com --api-base "$API" --api-key k1 --format json
expect_rc 0 "subscribe"
sub=$(node -e 'console.log(JSON.parse(process.argv[1]).subscriptionId)' "$out")
secret=$(node -e 'console.log(JSON.parse(process.argv[1]).secret)' "$out")
expect_eq "${#secret}" 64 "a 256-bit token"
expect_not_has "$err" "$secret" "the secret is not on stderr"
expect_not_has "$err" "k1" "the API key is not on stderr"
expect_eq "$(stat -c %a "$XDG_CONFIG_HOME/acx/config.toml")" 600 "config is 0600"
expect_has "$(cat "$XDG_CONFIG_HOME/acx/config.toml")" "$sub" "subscription stored"

# The listener takes tokens and ids from the profile; a test event and an emitted one arrive and verify.
bg "$ACX" listen --profile default --port "$LPORT" --journal "$WORK/j2.db" --format json --count 2 \
  --timeout $((20 * SCALE))s --ready-file "$WORK/l.ready" >"$WORK/l.out" 2>"$WORK/l.err"
LPID=$BGPID
ERRFILE=$WORK/l.err wait_ready "$WORK/l.ready" "$LPID" "listen --profile"
expect_has "$(cat "$WORK/l.err")" "listening on http://127.0.0.1:$LPORT/hooks/acculynx" "listen --profile takes the path"
run "$ACX" subscriptions test "$sub" --topic contact_added
expect_rc 0 "test-event"
run "$ACX" sandbox emit job.milestone.current_changed --set event.job.milestone.name=Won
expect_rc 0 "emit with the profile's API base and key, as subscribe stored them"
wait "$LPID" && src=0 || src=$?
expect_eq "$src" 0 "the listener got both deliveries"
expect_has "$(cat "$WORK/l.out")" '"topic":"contact_added"' "test event received"
expect_has "$(cat "$WORK/l.out")" '"name":"Won"' "emitted event received, edited"
expect_has "$(cat "$WORK/l.out")" "\"subscriptionId\":\"$sub\"" "routed by subscriptionId"
run "$ACX" sandbox deliveries --format json
expect_eq "$(grep -c '"status":200' <<<"$out")" 2 "delivery log: two attempts, 200"
run "$ACX" sandbox emit job.milestone.current_changed --api-key wrong-key
expect_rc 1 "emit with a wrong key"
expect_has "$err" "(401, " "the sandbox's error in the title: detail (status, traceId) form"
expect_not_has "$err" '{"' "not raw JSON"

# A wrong token is refused by the listener: the sandbox logs 401s and retries.
bg "$ACX" listen --port "$LPORT" --path /hooks/acculynx --secret other-token --journal "$WORK/j3.db" \
  --ready-file "$WORK/l3.ready" >/dev/null 2>&1
LPID=$BGPID
wait_ready "$WORK/l3.ready" "$LPID" "listener with another token"
ACX_API_KEY=k1 "$ACX" sandbox emit contact_added --api-base "$API" >/dev/null 2>&1
logged_401() { ACX_API_KEY=k1 "$ACX" sandbox deliveries --api-base "$API" --format json | grep -q '"status":401'; }
checks=$((checks + 1))
wait_until 10 "a refused delivery in the sandbox's log" logged_401
stop_process "$LPID" listener

# Update, show, list over several pages, delete.
run "$ACX" subscriptions update "$sub" --topic job_created --contact dev@example.com
expect_rc 0 "update"
run "$ACX" subscriptions show "$sub" --format json
expect_has "$out" '"topicNames":["job_created"]' "updated topics"
expect_has "$out" '"contact":"dev@example.com"' "updated contact"
for i in $(seq 30); do
  "$ACX" subscribe --url "http://127.0.0.1:9/h$i" --topic job_created --contact a@b.c --api-base "$API" \
    --api-key k1 --profile many >/dev/null 2>&1 || fail "subscribe $i"
done
checks=$((checks + 1))
run "$ACX" subscriptions list --profile many --format json
expect_eq "$(grep -c '"id":' <<<"$out")" 31 "list follows every page (31 at 25 a page), JSON lines"
run "$ACX" subscriptions delete "$sub"
expect_rc 0 "delete"
run "$ACX" subscriptions show "$sub"
expect_rc 1 "unknown id"
expect_has "$err" "acx: error: Not Found: no subscription $sub (404, " "problem details shown as title: detail (status, traceId)"

# Errors.
run "$ACX" subscriptions list --api-base "$API" --api-key wrong-key
expect_rc 1 "wrong API key"
expect_has "$err" "Unauthorized: a valid API key is required" "401 message"
expect_not_has "$err" "wrong-key" "the key is never echoed"
run "$ACX" subscribe --url http://127.0.0.1:9/x --topic job.roof_changed --contact a@b.c --api-base "$API" --api-key k1
expect_rc 2 "unknown topic (caught before calling)"
expect_has "$err" "unknown topic job.roof_changed" "unknown topic message"
# Raw requests below use a key of their own: k1 spent its allowance for this second above (10 a second), and curl
# does not wait and retry after a 429 as acx does.
run curl -s -X POST -H 'Authorization: Bearer k3' -H 'Content-Type: application/json' \
  -d '{"consumerUrl":"http://x/y","techContact":"a","topicNames":["nope"]}' "$API/subscriptions"
expect_has "$out" '"status":412' "the sandbox answers 412 for unknown topics"
run "$ACX" subscribe --url http://127.0.0.1:9/x --topic job_created --contact a@b.c --api-base "$API" --api-key k1 \
  --secret-in path --profile p2
expect_rc 0 "token in the path"
expect_has "$out" "http://127.0.0.1:9/x/" "path token URL"
expect_not_has "$err" "--upstream" "no relay line for a loopback URL"
# A public URL: subscribe says how a laptop pulls what the listener there receives (the relay).
run "$ACX" subscribe --url https://relay.example.com/webhooks/acculynx --topic job_created --contact a@b.c \
  --api-base "$API" --api-key k1 --profile relay
expect_rc 0 "a public consumer URL"
expect_has "$err" "acx listen --upstream https://relay.example.com:443 --relay-token-file relay.token" \
  "the line a laptop runs"
run curl -s -X POST -H 'Authorization: Bearer k3' -H 'Content-Type: application/json' \
  -d '{"consumerUrl":"not a url","techContact":"a","topicNames":["job_created"]}' "$API/subscriptions"
expect_has "$out" '"status":400' "bad URL is 400"
for body in '{"consumerUrl":5,"techContact":"a","topicNames":["job_created"]}' \
  '{"consumerUrl":"http://127.0.0.1:9/x","techContact":{"a":1},"topicNames":["job_created"]}'; do
  run curl -s -X POST -H 'Authorization: Bearer k3' -H 'Content-Type: application/json' -d "$body" "$API/subscriptions"
  expect_has "$out" '"status":400' "a field of the wrong type is 400, not 500 ($body)"
  expect_has "$out" "must be a string" "and says which field"
done
run curl -s -X POST -H 'Authorization: Bearer k3' -H 'Content-Type: application/json' -d '{"topicName":[1]}' \
  "$SBX/_sandbox/emit"
expect_has "$out" '"detail":"topicName must be a string, not array"' "emit's topicName of the wrong type is 400"
run "$ACX" subscriptions list --api-base "http://127.0.0.1:9/webhooks/v2" --api-key k1
expect_rc 5 "API down"
expect_has "$err" "cannot reach the API" "API down message"
run "$ACX" subscriptions list --api-base "$API" --profile nobody
expect_rc 2 "no API key"

# Rate limits: a client that ignores them gets 429 (within 200 requests, however slowly this machine sends them, some
# second sees more than 10); acx, bursting from several processes, recovers.
codes=$(for i in $(seq 200); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer k2' "$API/topics")
  echo "$code"
  [[ $code == 429 ]] && break
done)
expect_has "$codes" 429 "the sandbox answers 429 past 10 requests a second"
burst=()
for p in 1 2 3 4 5; do
  (for i in $(seq 10); do "$ACX" subscriptions list --api-base "$API" --api-key k2 >/dev/null 2>>"$WORK/burst.err" || echo fail; done) >>"$WORK/burst.out" &
  burst+=($!)
done
wait "${burst[@]}"
expect_eq "$(grep -c fail "$WORK/burst.out")" 0 "a burst of 50 calls from 5 processes all succeed"

# --chaos: some deliveries twice, some out of order; the listener keeps each event once.
# --sign standard: the secret returned at registration verifies every delivery.
stop_process "$SPID" sandbox
start_sandbox --chaos --chaos-seed 7 --sign standard
expect_has "$(cat "$WORK/sbx.err")" "--seed 7" "the chaos seed is shown, to repeat a run"
reg=$(curl -s -X POST -H 'Authorization: Bearer k2' -H 'Content-Type: application/json' \
  -d "{\"consumerUrl\":\"http://127.0.0.1:$LPORT/webhooks/acculynx\",\"techContact\":\"a@b.c\",\"topicNames\":[\"job_created\"]}" \
  "$API/subscriptions")
whsec=$(node -e 'console.log(JSON.parse(process.argv[1]).secret)' "$reg")
expect_has "$whsec" "whsec_" "a secret is returned at registration with --sign standard"
bg "$ACX" listen --port "$LPORT" --scheme standard --secret "$whsec" --journal "$WORK/chaos.db" --format json \
  --ready-file "$WORK/chaos.ready" >"$WORK/chaos.out" 2>"$WORK/chaos.err"
LPID=$BGPID
ERRFILE=$WORK/chaos.err wait_ready "$WORK/chaos.ready" "$LPID" "listener for --chaos"
emitted=()
for i in $(seq 30); do
  id=$(ACX_API_KEY=k2 "$ACX" sandbox emit job_created --api-base "$API" 2>/dev/null | cut -d' ' -f1)
  emitted+=("$id")
done
# Seed 7 holds events back behind later ones and doubles some: with it the order changes whatever the timing, since
# a held event waits for later ones (up to 15 s) and the emits above come well within that. The last held ones go
# when those 15 s are up.
printed_30() { (($(wc -l <"$WORK/chaos.out") >= 30)); }
wait_until 60 "30 events through --chaos" printed_30
stop_process "$LPID" listener
received=$(node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)) console.log(JSON.parse(l).eventId)' "$WORK/chaos.out")
expect_eq "$(sort <<<"$received" | tr '\n' ' ')" "$(printf '%s\n' "${emitted[@]}" | sort | tr '\n' ' ')" "every emitted event accepted once, each verified"
expect_eq "$(grep -c 'refused' "$WORK/chaos.err")" 0 "no delivery failed verification"
checks=$((checks + 1))
[[ "$received" != "$(printf '%s\n' "${emitted[@]}")" ]] || fail "--chaos delivered in order"
delivered_twice() {
  ACX_API_KEY=k2 run "$ACX" sandbox deliveries --api-base "$API" --format json
  (($(grep -c '"status":200' <<<"$out") > 30))
}
checks=$((checks + 1))
wait_until 60 "--chaos to deliver some event twice" delivered_twice

# Each API key sees only its own subscriptions' delivery attempts.
ACX_API_KEY=k1 run "$ACX" sandbox deliveries --api-base "$API" --format json
expect_not_has "$out" '"topic":"job_created"' "k1 does not see k2's --chaos deliveries"
expect_has "$out" '"status":200' "k1 sees its own ($err)"
ACX_API_KEY=k2 run "$ACX" sandbox deliveries --api-base "$API" --format json
expect_not_has "$out" "$sub" "k2 does not see k1's deliveries"

# A consumer that is down: the sandbox retries with backoff and logs every attempt.
stop_process "$SPID" sandbox
start_sandbox
down=$(curl -s -X POST -H 'Authorization: Bearer k1' -H 'Content-Type: application/json' \
  -d '{"consumerUrl":"http://127.0.0.1:9/down","techContact":"a@b.c","topicNames":["job_updated"]}' "$API/subscriptions" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).subscriptionId))')
ACX_API_KEY=k1 "$ACX" sandbox emit job_updated --api-base "$API" --subscription "$down" >/dev/null 2>&1
four_attempts() {
  ACX_API_KEY=k1 run "$ACX" sandbox deliveries --api-base "$API" --subscription "$down" --format json
  (($(grep -c '"status":0' <<<"$out") >= 4))
}
wait_until 20 "4 attempts at a consumer that is down" four_attempts
expect_eq "$(grep -c '"status":0' <<<"$out")" 4 "a consumer that is down: the first attempt and 3 retries"
expect_has "$out" '"attempt":4' "attempts are numbered"

# 412 through acx: the API refuses a test event of a topic it does not know.
run "$ACX" subscriptions test "$down" --topic job.roof_changed --api-base "$API" --api-key k1
expect_rc 1 "unknown topic refused by the API"
expect_has "$err" "acx: error: Precondition Failed: unknown topic name 'job.roof_changed' (412, " "412 message"

# A token in the path: subscribe --secret-in path, then listen --profile accepts deliveries to .../<token>.
run "$ACX" subscribe --url "http://127.0.0.1:$LPORT/in/path" --topic job_updated --contact a@b.c --api-base "$API" \
  --api-key k1 --secret-in path --profile pathy --format json
psub=$(node -e 'console.log(JSON.parse(process.argv[1]).subscriptionId)' "$out")
bg "$ACX" listen --profile pathy --port "$LPORT" --journal "$WORK/pathy.db" --format json --count 1 \
  --timeout $((15 * SCALE))s --ready-file "$WORK/pathy.ready" >"$WORK/pathy.out" 2>"$WORK/pathy.err"
LPID=$BGPID
ERRFILE=$WORK/pathy.err wait_ready "$WORK/pathy.ready" "$LPID" "listen --profile pathy"
ACX_API_KEY=k1 "$ACX" sandbox emit job_updated --api-base "$API" --subscription "$psub" >/dev/null 2>&1
wait "$LPID" && src=0 || src=$?
expect_eq "$src" 0 "a path token verifies"
expect_has "$(cat "$WORK/pathy.out")" "\"subscriptionId\":\"$psub\"" "path-token delivery received"

# Without --api-key the sandbox makes one and prints it (stdout: for scripts).
bg "$ACX" sandbox --port 0 --data-dir "$WORK/sbx2" --ready-file "$WORK/sbx2.ready" >"$WORK/sbx2.out" 2>/dev/null
GPID=$BGPID
wait_ready "$WORK/sbx2.ready" "$GPID" "sandbox with a generated key"
key=$(head -n 1 "$WORK/sbx2.out")
expect_has "$key" "sbx_" "a generated API key on stdout"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" \
  "http://127.0.0.1:$(cut -d: -f2 "$WORK/sbx2.ready")/webhooks/v2/topics")" 200 "the generated key works"
stop_process "$GPID" sandbox

# State survives a restart.
stop_process "$SPID" sandbox
start_sandbox # on a new port
run "$ACX" subscriptions list --profile many --api-base "$API" --format json
expect_eq "$(grep -c '"id":' <<<"$out")" 34 \
  "subscriptions survive a restart (31 above, the one that is down, the path one, the public one)"
stop_process "$SPID" sandbox

# A sandbox that signs: subscribe keeps the whsec_ secret in the profile, and listen --profile verifies with it.
# A subscription made while the listener runs is taken without a restart (the config changed); SIGHUP reloads too.
# The sandbox keeps the 31 subscriptions to a port where nobody listens from above: their retries must not hold up
# the deliveries to this listener (they did when retries waited in line).
start_sandbox --sign standard
export XDG_CONFIG_HOME=$WORK/config-signed
run "$ACX" subscribe --url "http://127.0.0.1:$LPORT/webhooks/acculynx" --topic job_created --contact a@b.c \
  --api-base "$API" --api-key k1
expect_rc 0 "subscribe to a sandbox that signs"
expect_has "$(cat "$XDG_CONFIG_HOME/acx/config.toml")" "signing_secret = 'whsec_" "the signing secret is kept"
expect_has "$out" "signing secret whsec_" "subscribe prints the signing secret the API returned, once"
bg "$ACX" listen --profile default --port "$LPORT" --journal "$WORK/reload.db" --format json \
  --ready-file "$WORK/reload.ready" >"$WORK/reload.out" 2>"$WORK/reload.err"
LPID=$BGPID
ERRFILE=$WORK/reload.err wait_ready "$WORK/reload.ready" "$LPID" "listen --profile on signed deliveries"
printed() { (($(wc -l <"$WORK/reload.out") >= $1)); }
run "$ACX" sandbox emit job_created
expect_rc 0 "emit, signed"
wait_until 30 "the signed delivery" printed 1
token=$(grep -o "token = '[0-9a-f]*'" "$XDG_CONFIG_HOME/acx/config.toml" | head -n 1 | cut -d"'" -f2)
expect_eq "${#token}" 64 "the profile's token read back"
"$ACX" fixtures show job_created --fresh >"$WORK/unsigned.json"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$WORK/unsigned.json" "http://127.0.0.1:$LPORT/webhooks/acculynx?token=$token")" 401 \
  "the token alone is not enough: the profile's signing secret is checked"
# acx send --profile: the subscription's URL, token, signing secret and id, as the listener expects them.
run "$ACX" send job_created --profile default
expect_rc 0 "send --profile signs as the profile's subscription is signed"
wait_until 30 "the event sent with --profile" printed 2
run "$ACX" subscribe --url "http://127.0.0.1:$LPORT/webhooks/acculynx" --topic contact_added --contact a@b.c
expect_rc 0 "a second subscription while the listener runs"
reloaded() { (($(grep -c 'profile reloaded: 2 subscriptions' "$WORK/reload.err") >= $1)); }
wait_until 10 "the listener to take the changed profile" reloaded 1
run "$ACX" sandbox emit contact_added
wait_until 30 "the new subscription's delivery, without a restart" printed 3
expect_has "$(cat "$WORK/reload.out")" '"topic":"contact_added"' "the new subscription's event accepted"
kill -HUP "$LPID"
wait_until 10 "SIGHUP to reload the profile" reloaded 2
stop_process "$LPID" listener
stop_process "$SPID" sandbox

finish
