#!/usr/bin/env bash
# acx inspect without a browser: its guards and every route given malformed, oversized and hostile input answer
# with a status and never crash or hang; the exports parse; the page serves only its own embedded assets.
source "$(dirname "$0")/lib.sh"

start_listener --secret tok
"$ACX" send job_created contact_added --to "$BASE/webhooks/acculynx" --secret tok >/dev/null 2>&1
"$ACX" send job_created --to "$BASE/webhooks/acculynx" --secret wrong --retries 0 >/dev/null 2>&1
bg "$ACX" inspect --journal "$WORK/journal.db" --port 0 --ready-file "$WORK/inspect.ready"
IPID=$BGPID
wait_ready "$WORK/inspect.ready" "$IPID" "acx inspect" || finish
url=$(cat "$WORK/inspect.ready")
page=${url%%/\?*}
token=${url##*token=}
expect_has "$url" "token=" "the ready file holds the URL with its token"

code() { curl -s -o "$WORK/page" -w '%{http_code}' --max-time $((10 * SCALE)) "$@"; }
expect_eq "$(code "$url")" 200 "the list"
expect_has "$(cat "$WORK/page")" "job_created" "lists the deliveries"
expect_has "$(cat "$WORK/page")" "refused: mismatch" "and the refused one"
expect_eq "$(code "$page")" 401 "no token"
expect_eq "$(code "$page?token=0000")" 401 "a wrong token"
expect_eq "$(code -H 'Host: attacker.example' "$url")" 403 "a foreign Host (DNS rebinding)"
expect_eq "$(code -H 'Host: 127.0.0.1.attacker.example' "$url")" 403 "a Host that only starts like loopback"
expect_eq "$(code -H 'Host: localhost' "$url")" 200 "localhost is this machine"
expect_eq "$(code --cookie "acx_inspect=$token" "$page")" 200 "the cookie stands for the token"

# Malformed and hostile parameters: each answers, none crashes.
for q in "before=zzz" "before=a99999999999999999999999.r-5" "since=yesterday" "until=9999-99-99" \
  "topic=%00%ff%3Cscript%3E" "q=$(head -c 20000 /dev/zero | tr '\0' x)" "verdict=bogus" "subscription=%27%22"; do
  c=$(code "$url&$q")
  [[ $c == 200 || ($c == 414 && ${#q} -gt 8000) ]] || fail "GET /?${q:0:60} answered $c"
  checks=$((checks + 1))
done
expect_not_has "$(code "$url&topic=%3Cscript%3Ealert(1)%3C/script%3E" >/dev/null; cat "$WORK/page")" "<script>alert" \
  "a filter value is escaped in the page"
for id in zzz a r a1x a99999999999999999999 r-1 a0 "%2e%2e%2f"; do
  c=$(code "$page/d/$id?token=$token")
  [[ $c == 404 ]] || fail "GET /d/$id answered $c"
  checks=$((checks + 1))
done
expect_eq "$(code "$page/d/a1?token=$token")" 200 "a delivery's page"
expect_eq "$(code "$page/d/r1?token=$token")" 200 "a refused delivery's page"
expect_has "$(cat "$WORK/page")" "mismatch" "with its reason"
expect_eq "$(code "$page/diff?a=a1&b=zzz&token=$token")" 400 "a diff of something that is not there"
expect_eq "$(code "$page/static/../../etc/passwd?token=$token")" 404 "no file but the embedded ones"
expect_eq "$(code "$page/static/app.js?token=$token")" 200 "the embedded script"

# Replay: only a POST from the page, with the token in the form.
form="token=$token&id=a1&url=http://127.0.0.1:9/&scheme=none&secret=&body="
expect_eq "$(code -X POST --data "$form" "$url")" 405 "POST to the list: only GET there"
expect_eq "$(code -X POST --data "$form" -H "Origin: http://evil.example" "$page/replay?token=$token")" 403 \
  "cross-origin replay"
expect_eq "$(code -X POST --data "token=$token&id=a1" "$page/replay?token=$token")" 403 "no Origin or Referer"
origin=$page
expect_eq "$(code -X POST --data "id=a1&url=x" -H "Origin: $origin" "$page/replay?token=$token")" 403 \
  "no token in the form"
expect_eq "$(code -X POST --data "$form" -H "Origin: $origin" "$page/replay?token=$token")" 200 \
  "a replay to a closed port answers with the page"
expect_has "$(cat "$WORK/page")" "no answer" "and says there was no answer"
expect_eq "$(code -X POST --data "token=$token&id=a1&url=not%20a%20url" -H "Origin: $origin" \
  "$page/replay?token=$token")" 400 "a replay to something that is not a URL"
expect_eq "$(code -X POST --data-binary "%%%&&&=%zz" -H "Origin: $origin" "$page/replay?token=$token")" 403 \
  "a form that does not decode"

# Live updates answer at once when there is something newer, as server-sent events.
expect_eq "$(code "$page/live?after=a0.r0&token=$token")" 200 "live"
expect_has "$(cat "$WORK/page")" "event: row" "with rows after the cursor"
expect_eq "$(code -H 'Last-Event-ID: garbage' "$page/live?token=$token&q=no-such-text-anywhere" --max-time 1)" 000 \
  "with nothing new it waits (the client gave up first)"

# Exports parse.
code "$page/export.ndjson?token=$token" >/dev/null
expect_eq "$(node -e 'const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n"); l.forEach(x => JSON.parse(x)); console.log(l.length)' "$WORK/page")" 2 \
  "NDJSON: the two accepted deliveries"
code "$page/export.har?token=$token" >/dev/null
expect_eq "$(node -e 'const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(h.log.version, h.log.entries.length)' "$WORK/page")" "1.2 3" \
  "HAR 1.2 with every delivery"

stop_process "$IPID" "acx inspect"
expect_eq "$src" 0 "acx inspect exits 0 on SIGTERM"
finish
