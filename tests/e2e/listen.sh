#!/usr/bin/env bash
# acx listen: answers, duplicates, refusals, endpoints, output formats, --count/--timeout, signals.
source "$(dirname "$0")/lib.sh"

fixture() { "$ACX" fixtures show "$1" --fresh >"$WORK/$2"; }
fixture job.milestone.current_changed ev1.json
fixture contact_added ev2.json
fixture job.invoice_updated ev3.json

start_listener --secret s3cret-token --format json
hook="$BASE/webhooks/acculynx?token=s3cret-token"
expect_has "$(cat "$WORK/listen.err")" "acx: listening on http://127.0.0.1:$PORT/webhooks/acculynx" "address on stderr"

post "$hook" "$WORK/ev1.json"
expect_eq "$status" 200 "accepted"
expect_has "$body" '"status":"accepted"' "accepted body"
id1=$(grep -o '"eventId": "[^"]*"' "$WORK/ev1.json" | cut -d'"' -f4)
expect_has "$body" "\"eventId\":\"$id1\"" "accepted body names the eventId"

post "$hook" "$WORK/ev1.json"
expect_eq "$status" 200 "duplicate still answers 200"
expect_has "$body" '"status":"duplicate"' "duplicate marked"

post "$BASE/webhooks/acculynx?token=wrong" "$WORK/ev2.json"
expect_eq "$status" 401 "wrong token"
expect_has "$body" '"reason":"mismatch"' "wrong token reason"
expect_not_has "$body" "s3cret-token" "no secret in the answer"

post "$BASE/webhooks/acculynx" "$WORK/ev2.json"
expect_eq "$status" 401 "no token"
expect_has "$body" '"reason":"missing"' "no token is missing, not a mismatch"

printf '%s' '{"topicName":"job_created","eventId":"nope"}' >"$WORK/bad.json"
post "$hook" "$WORK/bad.json"
expect_eq "$status" 400 "invalid envelope"
expect_has "$body" '"path":"$.eventId","message":"not a GUID' "problems listed with paths" 
expect_has "$body" '"path":"$.subscriptionId"' "every problem listed"

body=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: text/plain' --data-binary "@$WORK/ev2.json" "$hook")
expect_eq "${body##*$'\n'}" 415 "text/plain refused"

expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$hook")" 405 "GET on the webhook path"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data x "$hook")" 405 "PUT on the webhook path"
expect_has "$(curl -s -i -X DELETE "$hook")" "Allow: POST" "405 says what is allowed"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "$BASE/elsewhere")" 404 "other path"
expect_eq "$(curl -s "$BASE/healthz")" ok "healthz"

post "$hook" "$WORK/ev2.json"
post "$hook" "$WORK/ev3.json"
expect_eq "$status" 200 "third event"
metrics=$(curl -s "$BASE/metrics")
expect_has "$metrics" "acx_deliveries_accepted_total 3" "metrics accepted"
expect_has "$metrics" "acx_deliveries_duplicate_total 1" "metrics duplicates"
expect_has "$metrics" 'acx_deliveries_refused_total{reason="mismatch"} 1' "metrics mismatch: a wrong token"
expect_has "$metrics" 'acx_deliveries_refused_total{reason="missing"} 1' "metrics missing: no token"
expect_has "$metrics" 'acx_deliveries_refused_total{reason="invalid"} 1' "metrics invalid"
expect_has "$metrics" 'acx_deliveries_refused_total{reason="content_type"} 1' "metrics content type"
expect_has "$metrics" "acx_journal_commit_seconds_count" "metrics commit latency"

stop_listener
expect_eq "$src" 0 "SIGTERM exits 0"
lines=$(wc -l <"$WORK/listen.out" | tr -d ' ')
expect_eq "$lines" 3 "three events printed, the duplicate not again"
first=$(head -n 1 "$WORK/listen.out")
expect_has "$first" "\"eventId\":\"$id1\"" "json line has the eventId"
expect_has "$first" '"topic":"job.milestone.current_changed"' "json line has the topic"
node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) JSON.parse(l)' \
  "$WORK/listen.out" || fail "stdout is not JSON lines"
checks=$((checks + 1))
expect_has "$(cat "$WORK/listen.err")" "refused a delivery from 127.0.0.1" "refusals on stderr"
expect_not_has "$(cat "$WORK/listen.err")" "s3cret-token" "no secret on stderr"
expect_eq "$(stat -c %a "$WORK/journal.db")" 600 "journal is 0600"

# Restart on the same journal: the eventId is still known.
start_listener --secret s3cret-token --format raw
hook="$BASE/webhooks/acculynx?token=s3cret-token"
post "$hook" "$WORK/ev1.json"
expect_has "$body" '"status":"duplicate"' "duplicate across restarts"
fixture job_created ev4.json
post "$hook" "$WORK/ev4.json"
stop_listener
cmp -s <(cat "$WORK/ev4.json"; echo) "$WORK/listen.out" || fail "raw output is not the exact body"
checks=$((checks + 1))

# pretty, without colour when NO_COLOR or not a terminal.
JOURNAL=$WORK/j2.db start_listener --format text
post "$BASE/webhooks/acculynx" "$WORK/ev1.json"
stop_listener
out=$(cat "$WORK/listen.out")
expect_has "$out" "job.milestone.current_changed  milestone Approved  job 6513270e" "pretty line"
expect_not_has "$out" $'\x1b[' "no colour in a pipe"
expect_has "$(cat "$WORK/listen.err")" "warning: deliveries are not verified" "warns without a secret"

# --subscription refuses other subscriptions; --topic filters output only; --count exits after N.
JOURNAL=$WORK/j3.db start_listener --subscription F30009C1-B6E3-432A-9A0E-6932C9FABDD8 --topic contact_added --count 1
post "$BASE/webhooks/acculynx" "$WORK/ev1.json"
expect_eq "$status" 200 "allowed subscription (case-insensitive)"
sed 's/f30009c1-b6e3-432a-9a0e-6932c9fabdd8/00000000-0000-4000-8000-000000000000/' "$WORK/ev3.json" >"$WORK/other-sub.json"
post "$BASE/webhooks/acculynx" "$WORK/other-sub.json"
expect_eq "$status" 403 "other subscription refused"
expect_has "$body" '"reason":"subscription"' "subscription reason"
post "$BASE/webhooks/acculynx" "$WORK/ev2.json"
expect_eq "$status" 200 "contact_added accepted"
wait "$LPID" && src=0 || src=$? # --count 1 ends it; ctest's TIMEOUT bounds the wait
expect_eq "$src" 0 "--count 1 exits 0 after the first shown event"
expect_eq "$(wc -l <"$WORK/listen.out" | tr -d ' ')" 1 "--topic shows only contact_added"
expect_has "$(cat "$WORK/listen.out")" '"topic":"contact_added"' "--topic kept the right event"

# --timeout: exit 6 when --count events do not arrive.
JOURNAL=$WORK/j4.db start_listener --count 5 --timeout 1s
wait "$LPID" && src=0 || src=$?
expect_eq "$src" 6 "--timeout exits 6"
expect_has "$(cat "$WORK/listen.err")" "--timeout: 0 of 5 events arrived in time" "--timeout message"

# --max-body: 413 before reading.
JOURNAL=$WORK/j5.db start_listener --max-body 1k
head -c 4000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
post "$BASE/webhooks/acculynx" "$WORK/big.json"
expect_eq "$status" 413 "over --max-body"
expect_has "$(curl -s "$BASE/metrics")" 'acx_deliveries_refused_total{reason="too_large"} 1' "413 counted"
post "$BASE/webhooks/acculynx" "$WORK/ev1.json"
expect_eq "$status" 200 "still serving after 413"
stop_listener

# The default journal: ${XDG_STATE_HOME:-~/.local/state}/acx/journal.db.
env -u XDG_STATE_HOME HOME=$WORK/home "$ACX" listen --port 0 --count 1 --timeout 1s 2>/dev/null
checks=$((checks + 1))
[[ -f $WORK/home/.local/state/acx/journal.db ]] || fail "no journal under \$HOME/.local/state/acx"
XDG_STATE_HOME=$WORK/state "$ACX" listen --port 0 --count 1 --timeout 1s 2>/dev/null
checks=$((checks + 1))
[[ -f $WORK/state/acx/journal.db ]] || fail "no journal under \$XDG_STATE_HOME/acx"

# Start-up errors: busy port, bad flags.
JOURNAL=$WORK/j6.db start_listener
run "$ACX" listen --port "$PORT" --journal "$WORK/j7.db"
expect_rc 5 "port in use"
expect_has "$err" "acx: error: cannot listen on 127.0.0.1:$PORT" "port in use message"
run "$ACX" listen --port 0 --journal "$WORK/j6.db"
expect_rc 4 "journal in use"
expect_has "$err" "journal $WORK/j6.db is in use by another acx process, pid $LPID" "journal in use message"
stop_listener
run "$ACX" listen --port 70000
expect_rc 2 "port out of range"
run "$ACX" listen --max-body lots
expect_rc 2 "bad --max-body"
expect_has "$err" "expected a size such as 1MiB" "bad --max-body message"

# A port in use: the message names the port, the process holding it, and the way out; the inspect page says it is its
# own port that is taken.
JOURNAL=$WORK/held.db start_listener
run "$ACX" listen --port "$PORT" --journal "$WORK/second.db"
expect_rc 5 "a port in use"
expect_has "$err" "port $PORT is in use by pid $LPID (" "the message names the port and who holds it"
expect_has "$err" "pick another port, or 0 for any free one" "and the way out"
run "$ACX" listen --port 0 --journal "$WORK/third.db" --inspect="$PORT" --timeout 1s
expect_rc 5 "--inspect on a port in use"
expect_has "$err" "the inspect page: cannot listen on 127.0.0.1:$PORT: port $PORT is in use" "the inspect page says so"
stop_listener

# Topic patterns: a misspelt --topic is named at start with the nearest topic; job.* matches; each consumer says
# what it takes.
JOURNAL=$WORK/topics.db start_listener --topic job_creatd --topic 'job.*' --forward-to http://127.0.0.1:9/hook
stop_listener
expect_has "$(cat "$WORK/listen.err")" "'job_creatd' (--topic) matches no known topic (did you mean job_created?)" \
  "a misspelt --topic is named at start"
expect_not_has "$(cat "$WORK/listen.err")" "'job.*' (--topic)" "job.* matches known topics"
expect_has "$(cat "$WORK/listen.err")" "forwarding to http://127.0.0.1:9/hook: every topic" "a line per consumer"

finish
