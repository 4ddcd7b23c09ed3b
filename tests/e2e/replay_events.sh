#!/usr/bin/env bash
# acx events over a journal, and acx replay from it (after a listener restart) and from an export, into another
# listener that checks the new signatures.
source "$(dirname "$0")/lib.sh"

whsec=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
# Listener A: the journal to replay from.
JOURNAL=$WORK/a.db start_listener --scheme none
A=$BASE/webhooks/acculynx
"$ACX" send job_created contact_added job.invoice_updated contact_changed contact_added --to "$A" --scheme none >/dev/null
"$ACX" send contact_added --to "$A" --scheme none --duplicate 2 >/dev/null
curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"not":"an envelope"}' "$A"
stop_listener
# ... restarted, so the journal is read back from disk.
JOURNAL=$WORK/a.db start_listener --scheme none
stop_listener

# acx events, while no listener runs (and below while one does).
run "$ACX" events list --journal "$WORK/a.db" --format text
expect_rc 0 "events list"
expect_eq "$(grep -c accepted <<<"$out")" 6 "six accepted rows"
expect_eq "$(grep -c duplicate <<<"$out")" 1 "one duplicate row"
run "$ACX" events list --journal "$WORK/a.db"
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" 7 "JSON lines when piped"
expect_has "$(head -n 1 <<<"$out")" '"seq":1,' "JSON line starts with seq"
run "$ACX" events list --journal "$WORK/a.db" --topic contact_added --limit 2 --format text
expect_eq "$(tail -n +2 <<<"$out" | wc -l | tr -d ' ')" 2 "--limit keeps the last 2"
run "$ACX" events list --journal "$WORK/a.db" --limit -1
expect_rc 2 "--limit -1"
expect_has "$err" "--limit: '-1' is not a number from 1 to" "is refused"
# --topic takes the patterns listen --topic and routes take (one rule): job.* is every job topic.
run "$ACX" events list --journal "$WORK/a.db" --topic 'job.*' --format text
expect_rc 0 "--topic 'job.*'"
expect_eq "$(tail -n +2 <<<"$out" | wc -l | tr -d ' ')" 2 "job_created and job.invoice_updated"
expect_eq "$(tail -n +2 <<<"$out" | grep -c 'job_created\|job.invoice_updated')" 2 "those two"
run "$ACX" events list --journal "$WORK/a.db" --topic 'contact_?dded' --format text
expect_eq "$(tail -n +2 <<<"$out" | grep -c contact_added)" 4 "? for one character (3 accepted, 1 duplicate)"
expect_not_has "$err" "matches no known topic" "a pattern that matches is not warned of"
run "$ACX" events list --journal "$WORK/a.db" --refused --format text
expect_has "$out" "invalid" "refused list"
run "$ACX" events list --journal "$WORK/a.db" --since 1h --until 2099-01-01T00:00:00Z
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" 7 "--since/--until"
run "$ACX" events list --journal "$WORK/a.db" --since 2099-01-01T00:00:00Z
expect_eq "$out" "" "nothing after 2099"
run "$ACX" events stats --journal "$WORK/a.db" --format text
expect_has "$out" "       3  accepted                 contact_added" "stats by topic and verdict"
expect_has "$out" "refused:invalid" "stats of refusals"
ids() { node -e 'for (const l of require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean)) console.log(JSON.parse(l).eventId ?? JSON.parse(l).envelope?.eventId)'; }
first_id=$("$ACX" events list --journal "$WORK/a.db" | head -n 1 | ids)
run "$ACX" events show "$first_id" --journal "$WORK/a.db" --format text
expect_has "$out" "topic:          job_created" "show by eventId"
expect_has "$out" '"topicName": "job_created"' "show pretty-prints the body"
expect_has "$out" $'{\n  "topicName": "job_created",\n' "the body's lines are lines on the terminal"
expect_not_has "$out" '\x0a' "no escaped line breaks in the body"
run "$ACX" events show 1 --journal "$WORK/a.db" --format json
expect_has "$out" '"envelope": {' "show as JSON"
run "$ACX" events list --journal "$WORK/a.db" --topic job_creatd
expect_has "$err" "'job_creatd' (--topic) matches no known topic (did you mean job_created?)" "events: a misspelt topic"
run "$ACX" events show 999 --journal "$WORK/a.db"
expect_rc 3 "show of an unknown id"
run "$ACX" events list --journal "$WORK/none.db"
expect_rc 4 "no journal"
expect_has "$err" "no journal at $WORK/none.db" "no journal message"
"$ACX" events export --journal "$WORK/a.db" >"$WORK/export.jsonl"
expect_eq "$(wc -l <"$WORK/export.jsonl" | tr -d ' ')" 6 "export leaves the duplicate out"
expect_not_has "$(cat "$WORK/export.jsonl")" '"status":"duplicate"' "no duplicate exported"
run "$ACX" events export --journal "$WORK/a.db" --duplicates
expect_eq "$(grep -c '"status":"duplicate"' <<<"$out")" 1 "--duplicates includes it, marked"
run "$ACX" events stats --journal "$WORK/a.db" --format json
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" "$(grep -c . <<<"$out")" "stats as JSON lines"
expect_has "$(head -n 1 <<<"$out")" '{"topic":' "each line one count"

# Listener B checks Standard Webhooks signatures and prints raw bodies.
JOURNAL=$WORK/b.db start_listener --scheme standard --secret "$whsec" --format raw
B=$BASE/webhooks/acculynx
# acx events reads A while B runs (A is not locked by B) and B's own journal while it writes.
run "$ACX" events stats --journal "$WORK/b.db"
expect_rc 0 "events on a journal being written"

run "$ACX" replay --journal "$WORK/a.db" --to "$B" --scheme standard --secret "$whsec"
expect_rc 2 "replay needs a selection"
expect_has "$err" "say which events to replay" "selection message"

run "$ACX" replay --journal "$WORK/a.db" --topic contact_added --to "$B" --scheme standard --secret "$whsec" --dry-run
expect_rc 0 "dry run"
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" 3 "dry run lists the 3 accepted contact_added events"
expect_eq "$(sqlite3 "$WORK/b.db" 'SELECT count(*) FROM deliveries')" 0 "dry run sends nothing"

run "$ACX" replay --journal "$WORK/a.db" --topic contact_added --to "$B" --scheme standard --secret "$whsec"
expect_rc 0 "replay by topic"
wait_lines "$WORK/listen.out" 3 "the replayed events printed"
expected=$("$ACX" events list --journal "$WORK/a.db" --topic contact_added | grep '"status":"accepted"' | ids)
got=$(node -e 'for (const l of require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean)) console.log(JSON.parse(l).eventId)' <"$WORK/listen.out")
expect_eq "$got" "$expected" "exactly the selected events, in order, with their eventIds"
# Bodies are byte for byte those of the journal.
"$ACX" events show "$(head -n 1 <<<"$expected")" --journal "$WORK/a.db" --format json >"$WORK/one.json"
node -e '
  const fs = require("fs");
  const shown = JSON.parse(fs.readFileSync(process.argv[1]));
  const first = fs.readFileSync(process.argv[2], "utf8").split("\n")[0];
  process.exit(JSON.stringify(JSON.parse(first)) === JSON.stringify(shown.envelope) ? 0 : 1)' "$WORK/one.json" "$WORK/listen.out" ||
  fail "replayed body differs from the journal's"
checks=$((checks + 1))

run "$ACX" replay --journal "$WORK/a.db" --topic contact_added --to "$B" --scheme standard --secret "$whsec" --format json
expect_eq "$(grep -c '"status\\":\\"duplicate' <<<"$out")" 3 "replaying again: the receiver sees duplicates"

run "$ACX" replay --journal "$WORK/a.db" --id 1 --id 3 --to "$B" --scheme standard --secret "$whsec"
expect_rc 0 "replay by --id"
run "$ACX" replay --journal "$WORK/a.db" --id 999 --to "$B" --scheme standard --secret "$whsec"
expect_rc 3 "replay of an unknown --id"

# --verbatim: the exact bytes and the original headers: B has no signature to check, so it refuses.
run "$ACX" replay --journal "$WORK/a.db" --id 2 --to "$B" --verbatim --retries 0
expect_rc 1 "verbatim replay has no standard signature"
expect_has "$out" '"reason":"missing"' "verbatim: missing signature headers"

stop_listener
# --verbatim into a receiver that checks nothing: the bytes arrive exactly as they were journaled.
JOURNAL=$WORK/c.db start_listener --scheme none --format raw
run "$ACX" replay --journal "$WORK/a.db" --id 2 --id 4 --to "$BASE/webhooks/acculynx" --verbatim
expect_rc 0 "verbatim replay accepted by a receiver that checks nothing"
wait_lines "$WORK/listen.out" 2 "the verbatim bodies printed"
cmp -s <(sqlite3 "$WORK/a.db" "SELECT body FROM deliveries WHERE seq IN (2, 4) ORDER BY seq") "$WORK/listen.out" ||
  fail "verbatim bodies differ from the journal's"
checks=$((checks + 1))
stop_listener
JOURNAL=$WORK/b.db start_listener --scheme standard --secret "$whsec" --format raw
B=$BASE/webhooks/acculynx

# From an export file, and from a directory of fixtures.
run "$ACX" replay "$WORK/export.jsonl" --to "$B" --scheme standard --secret "$whsec" --format json
expect_rc 0 "replay from an export"
expect_eq "$(grep -c '"accepted":true' <<<"$out")" 6 "every exported line delivered"
mkdir "$WORK/fixtures"
"$ACX" fixtures show job_updated --fresh >"$WORK/fixtures/a.json"
"$ACX" fixtures show job.work-type_changed --fresh >"$WORK/fixtures/b.json"
run "$ACX" replay "$WORK/fixtures" --to "$B" --scheme standard --secret "$whsec"
expect_rc 0 "replay from a directory"
expect_has "$out" "job.work-type_changed attempt 1: 200" "directory files delivered"
stop_listener

# A receiver that cannot be reached: replay stops after three events in a row, says so, and exits 5.
run "$ACX" replay "$WORK/export.jsonl" --to http://127.0.0.1:9/hook --scheme none --retries 0
expect_rc 5 "replay to an unreachable receiver"
expect_has "$err" "stopped: 3 events in a row could not reach the receiver; 3 of 6 were not sent" "it stops with a summary"
expect_eq "$(grep -c 'attempt 1' <<<"$out")" 3 "only three were tried"
run "$ACX" replay "$WORK/export.jsonl" --to http://127.0.0.1:9/hook --scheme none --retries 0 --format json
expect_has "$out" '{"stopped":"unreachable","notSent":3}' "and in JSON"

finish
