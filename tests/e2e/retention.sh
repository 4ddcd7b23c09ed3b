#!/usr/bin/env bash
# Retention: acx events prune by time and by size (a dry run first), a forward consumer's pending events kept back,
# the file given back to the file system, what a pruned event's readers say, and acx listen --retain pruning by itself.
source "$(dirname "$0")/lib.sh"

# A journal of 400 deliveries with bodies of about 4 KB, the first 200 made two months old.
start_listener --secret tok
"$ACX" fixtures show job_created --fresh | node -e '
  const e = JSON.parse(require("fs").readFileSync(0, "utf8"));
  e.event.job.notes = "x".repeat(4000);
  process.stdout.write(JSON.stringify(e));' >"$WORK/big.json"
"$ACX" send "$WORK/big.json" --to "$BASE/webhooks/acculynx" --secret tok -n 400 -c 4 >/dev/null 2>&1
stop_listener
cp "$WORK/journal.db" "$WORK/pristine.db"
old=$(date -u -d '60 days ago' +%Y-%m-%dT%H:%M:%S.0000000Z)
sqlite3 "$WORK/journal.db" "UPDATE deliveries SET received = '$old' WHERE seq <= 200"
count() { sqlite3 "$1" "SELECT count(*) FROM deliveries"; }
expect_eq "$(count "$WORK/journal.db")" 400 "400 deliveries to start with"

run "$ACX" events prune --journal "$WORK/journal.db" --older-than 30d --dry-run --format text
expect_rc 0 "dry run"
expect_has "$out" "would prune 200 deliveries" "the dry run counts what would go"
expect_eq "$(count "$WORK/journal.db")" 400 "a dry run removes nothing"

run "$ACX" events prune --journal "$WORK/journal.db"
expect_rc 2 "prune without a criterion"
expect_has "$err" "say what to prune" "what a prune needs"

before=$(stat -c %s "$WORK/journal.db")
run "$ACX" events prune --journal "$WORK/journal.db" --older-than 30d --format json
expect_rc 0 "prune by age"
expect_has "$out" '"deliveries":200' "200 pruned"
expect_has "$out" '"prunedBelow":201' "everything before #201 gone"
after=$(stat -c %s "$WORK/journal.db")
expect_eq "$(count "$WORK/journal.db")" 200 "200 left"
expect_eq "$(sqlite3 "$WORK/journal.db" 'SELECT min(seq) FROM deliveries')" 201 "the oldest left is #201"
# Half the deliveries gone, about 900 KB of bodies: the file gives most of it back.
expect_eq "$((after < before - 600000))" 1 "the file shrinks ($before -> $after bytes)"
run "$ACX" events prune --journal "$WORK/journal.db" --older-than 30d --format json
expect_has "$out" '"deliveries":0' "pruning again removes nothing more"

# Readers of a pruned event say so.
run "$ACX" events show 7 --journal "$WORK/journal.db"
expect_rc 3 "show of a pruned event"
expect_has "$err" "delivery #7 was pruned: retention removed every delivery before #201" "show says it was pruned"
run "$ACX" replay --journal "$WORK/journal.db" --id 7 --to "http://127.0.0.1:9/" --dry-run
expect_rc 3 "replay of a pruned event"
expect_has "$err" "delivery #7 was pruned" "replay says it was pruned"
run "$ACX" events stats --journal "$WORK/journal.db" --format text
expect_has "$out" "oldest    #201 received" "stats: the oldest event"
expect_has "$out" "pruned    every delivery before #201" "stats: how far it was pruned"
bg "$ACX" inspect --journal "$WORK/journal.db" --port 0 --ready-file "$WORK/inspect.ready"
wait_ready "$WORK/inspect.ready" "$BGPID" "acx inspect" || finish
url=$(cat "$WORK/inspect.ready")
page=${url%%/\?*}
token=${url##*token=}
iport=${page##*:}
code=$(curl -s -b "acx_inspect_$iport=$token" -o "$WORK/page" -w '%{http_code}' "$page/d/a7")
expect_eq "$code" 404 "the page: a pruned event is not found"
expect_has "$(cat "$WORK/page")" "delivery #7 was pruned" "the page says it was pruned"
stop_process "$BGPID" "acx inspect"

# By size: the oldest go until the file fits.
cp "$WORK/pristine.db" "$WORK/sized.db"
size=$(stat -c %s "$WORK/sized.db")
limit=$((size / 2))
run "$ACX" events prune --journal "$WORK/sized.db" --keep-size "$limit" --format json
expect_rc 0 "prune by size"
expect_eq "$(($(stat -c %s "$WORK/sized.db") <= limit))" 1 "the file fits $limit bytes ($(stat -c %s "$WORK/sized.db"))"
left=$(count "$WORK/sized.db")
expect_eq "$((left > 100 && left < 300))" 1 "about half the deliveries left ($left)"
expect_eq "$(sqlite3 "$WORK/sized.db" 'SELECT max(seq) FROM deliveries')" 400 "the newest stays"

# A consumer that has not handed events over keeps them: here one forwarding to a closed port from #50 (events of
# any age: older than --forward-max-age they would be given up on, which is handing them over).
cp "$WORK/pristine.db" "$WORK/held.db"
sqlite3 "$WORK/held.db" "UPDATE deliveries SET received = '$old' WHERE seq <= 200"
dead=$(quiet_port)
JOURNAL=$WORK/held.db start_listener --secret tok --forward-to "http://127.0.0.1:$dead/app" --forward-from 50 \
  --forward-max-age 1000d
attached() { [[ $(sqlite3 "$WORK/held.db" 'SELECT count(*) FROM consumers' 2>/dev/null) == 1 ]]; }
wait_until 20 "the consumer attached" attached
stop_listener
run "$ACX" events prune --journal "$WORK/held.db" --older-than 30d --format text
expect_rc 0 "prune with a consumer behind"
expect_has "$out" "pruned 49 deliveries" "only what the consumer is done with goes"
expect_has "$out" "kept 151 back: consumer http://127.0.0.1:$dead/app has not handed them over yet" "and says why"
expect_eq "$(sqlite3 "$WORK/held.db" 'SELECT min(seq) FROM deliveries')" 50 "the consumer's next event stays"

# A consumer asked to start before what retention kept is told so, not silently skipped ahead.
JOURNAL=$WORK/journal.db start_listener --secret tok --forward-to "http://127.0.0.1:$dead/late" --forward-from 1
wait_until 20 "the forwarder's word on pruned events" grep -q \
  "http://127.0.0.1:$dead/late: events #1 to #200 were pruned by retention before it took them; it starts at #201" \
  "$WORK/listen.err"
stop_listener

# acx listen --retain prunes by itself, at start, and says the retention as it was given (720h, not 30d or 0.03d).
cp "$WORK/pristine.db" "$WORK/listened.db"
sqlite3 "$WORK/listened.db" "UPDATE deliveries SET received = '$old' WHERE seq <= 120"
JOURNAL=$WORK/listened.db start_listener --secret tok --retain 720h --retain-size 1GiB
wait_until 20 "the listener's retention notice" grep -q "retention (720h, 1GiB): pruned 120 deliveries" "$WORK/listen.err"
"$ACX" send job_created --to "$BASE/webhooks/acculynx" --secret tok >/dev/null 2>&1
stop_listener
expect_eq "$(count "$WORK/listened.db")" 281 "120 pruned, one more received"
run "$ACX" events stats --journal "$WORK/listened.db" --format json
expect_has "$(tail -n 1 <<<"$out")" '"retention":"720h, 1GiB"' "stats: what the listener keeps, as given"

# A profile says the same.
mkdir -p "$WORK/cfg"
printf '[profiles.default]\nretain = "thirty days"\n' >"$WORK/cfg/config.toml"
chmod 600 "$WORK/cfg/config.toml"
run "$ACX" listen --port 0 --journal "$WORK/listened.db" --profile default --config "$WORK/cfg/config.toml" \
  --timeout 1s --count 1
expect_rc 3 "a profile's retain that is not a duration"
expect_has "$err" 'retain = "thirty days" is not a duration' "what is wrong with it"

finish
