#!/usr/bin/env bash
# acx inspect without a browser: its guards and every route given malformed, oversized and hostile input answer
# with a status and never crash or hang; the exports parse; the page serves only its own embedded assets.
source "$(dirname "$0")/lib.sh"

start_listener --secret tok
"$ACX" send job_created contact_added --to "$BASE/webhooks/acculynx" --secret tok >/dev/null 2>&1
# A delivery whose stored Content-Type and body try to break out of the shell text the page offers to copy.
hostile_type="application/json; x='; touch $WORK/PWNED; '"
"$ACX" fixtures show job_created --fresh | node -e '
  const e = JSON.parse(require("fs").readFileSync(0, "utf8"));
  e.event.job.name = "O\x27Brien \x27; touch " + process.argv[1] + "/PWNED2; \x27 $(touch PWNED3) `touch PWNED4` \\";
  process.stdout.write(JSON.stringify(e));' "$WORK" >"$WORK/hostile.json"
curl -s -o /dev/null -H "Content-Type: $hostile_type" --data-binary @"$WORK/hostile.json" \
  "$BASE/webhooks/acculynx?token=tok"
"$ACX" send job_created --to "$BASE/webhooks/acculynx" --secret wrong --retries 0 >/dev/null 2>&1
bg "$ACX" inspect --journal "$WORK/journal.db" --port 0 --ready-file "$WORK/inspect.ready"
IPID=$BGPID
wait_ready "$WORK/inspect.ready" "$IPID" "acx inspect" || finish
url=$(cat "$WORK/inspect.ready")
page=${url%%/\?*}
token=${url##*token=}
expect_has "$url" "token=" "the ready file holds the URL with its token"

# The page's answer after any redirect, with a cookie jar of its own for each call (-b '').
code() { curl -s -L -b '' -o "$WORK/page" -w '%{http_code}' --max-time $((10 * SCALE)) "$@"; }
iport=${page##*:}
# The token in a URL becomes a cookie named for this page's port, and the browser is sent to the URL without it.
curl -s -D "$WORK/head" -o /dev/null "$page/d/a1?token=$token&x=1"
expect_has "$(head -n 1 "$WORK/head")" "303" "a token in the URL: redirected"
expect_has "$(cat "$WORK/head")" $'Location: /d/a1?x=1\r' "to the same URL without the token"
expect_has "$(cat "$WORK/head")" "Set-Cookie: acx_inspect_$iport=$token; Path=/; HttpOnly; SameSite=Strict" \
  "with a cookie named for the port"
expect_eq "$(code --cookie "acx_inspect_$((iport + 1))=$token" "$page")" 401 "another port's cookie is not this page's"
expect_eq "$(code -H "Host: localhost:evil.com" "$url")" 403 "a Host with a port that is not a number"
expect_eq "$(code "$url")" 200 "the list"
expect_has "$(cat "$WORK/page")" "job_created" "lists the deliveries"
expect_has "$(tr -d '\n' <"$WORK/page")" '>job_created</td><td>job 6513270e</td>' \
  "what a job_created is about, as the terminal says it"
expect_has "$(tr -d '\n' <"$WORK/page")" '>contact_added</td><td>contact ' "and a contact_added"
expect_has "$(cat "$WORK/page")" "refused: mismatch" "and the refused one"
expect_eq "$(code "$page")" 401 "no token"
expect_eq "$(code "$page?token=0000")" 401 "a wrong token"
expect_eq "$(code -H 'Host: attacker.example' "$url")" 403 "a foreign Host (DNS rebinding)"
expect_eq "$(code -H 'Host: 127.0.0.1.attacker.example' "$url")" 403 "a Host that only starts like loopback"
expect_eq "$(code -H 'Host: localhost' "$url")" 200 "localhost is this machine"
expect_eq "$(code --cookie "acx_inspect_$iport=$token" "$page")" 200 "the cookie stands for the token"

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
expect_has "$(cat "$WORK/page")" "<title>#1 job_created" "titled as the list names it"
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
expect_has "$(cat "$WORK/page")" '<h1>replay of <a href="/d/a1">#1</a>' "the replay names the delivery as the list does"
expect_eq "$(code -X POST --data "token=$token&id=a1&url=not%20a%20url" -H "Origin: $origin" \
  "$page/replay?token=$token")" 400 "a replay to something that is not a URL"
expect_eq "$(code -X POST --data-binary "%%%&&&=%zz" -H "Origin: $origin" "$page/replay?token=$token")" 403 \
  "a form that does not decode"

# Live updates answer at once when there is something newer, as server-sent events.
expect_eq "$(code "$page/live?after=a0.r0&token=$token")" 200 "live"
expect_has "$(cat "$WORK/page")" "event: row" "with rows after the cursor"
expect_eq "$(code -H 'Last-Event-ID: garbage' "$page/live?token=$token&q=no-such-text-anywhere" --max-time 1)" 000 \
  "with nothing new it waits (the client gave up first)"

# "Copy as curl" and "as acx send" are shell text: run in a shell whose curl and acx only record what they got, they
# run nothing else and hand over the body and Content-Type byte for byte.
expect_eq "$(code "$page/d/a3?token=$token")" 200 "the hostile delivery's page"
mkdir -p "$WORK/bin"
cat >"$WORK/bin/curl" <<'SH'
#!/bin/sh
printf '%s\n' "$@" >"$RECORD.args"; cat >"$RECORD.body"
SH
cp "$WORK/bin/curl" "$WORK/bin/acx"
chmod +x "$WORK/bin/curl" "$WORK/bin/acx"
node -e '
  const html = require("fs").readFileSync(process.argv[1], "utf8");
  const un = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "\x27").replace(/&amp;/g, "&");
  const copies = [...html.matchAll(/<pre class="copy">([\s\S]*?)<\/pre>/g)].map((m) => un(m[1]));
  require("fs").writeFileSync(process.argv[2], copies[0]);
  require("fs").writeFileSync(process.argv[3], copies[1]);' "$WORK/page" "$WORK/as_curl.sh" "$WORK/as_send.sh"
for which in curl send; do
  (cd "$WORK" && PATH="$WORK/bin:$PATH" RECORD="$WORK/rec_$which" URL=http://127.0.0.1:9/x SECRET=s sh "as_$which.sh")
  expect_eq "$(cmp "$WORK/rec_$which.body" "$WORK/hostile.json" && echo same)" same "as $which: the body handed over byte for byte"
done
expect_has "$(cat "$WORK/rec_curl.args")" "Content-Type: $hostile_type" "as curl: the Content-Type as one argument"
expect_eq "$(ls "$WORK" | grep -c PWNED)" 0 "the copied commands ran nothing the delivery carried"

# Live requests hold no worker: 24 waiting (more than the page's 16 workers) and the list still answers at once.
for i in $(seq 24); do
  curl -s -o /dev/null -b "acx_inspect_$iport=$token" --max-time $((20 * SCALE)) "$page/live?q=nothing-matches-$i" &
  STARTED+=($!)
done
live_connections() { (($(ss -Htn state established "( dport = :$iport )" | wc -l) >= 24)); }
wait_until 10 "24 live requests to connect" live_connections
start_ms=$(date +%s%3N)
expect_eq "$(code "$url")" 200 "the list while 24 live requests wait"
took=$(($(date +%s%3N) - start_ms))
((took < 2000 * SCALE)) || fail "the list took $took ms while live requests waited"
checks=$((checks + 1))

# Exports parse, and are streamed (chunked, not built whole in memory first).
curl -s -D "$WORK/head" -o /dev/null -b "acx_inspect_$iport=$token" "$page/export.ndjson"
expect_has "$(cat "$WORK/head")" "Transfer-Encoding: chunked" "the NDJSON export is streamed"
code "$page/export.ndjson?token=$token" >/dev/null
expect_eq "$(node -e 'const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n"); l.forEach(x => JSON.parse(x)); console.log(l.length)' "$WORK/page")" 3 \
  "NDJSON: the three accepted deliveries"
code "$page/export.har?token=$token" >/dev/null
expect_eq "$(node -e 'const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(h.log.version, h.log.entries.length)' "$WORK/page")" "1.2 4" \
  "HAR 1.2 with every delivery"
expect_eq "$(node -e 'const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(new URL(h.log.entries[0].request.url).pathname)' "$WORK/page")" "/webhooks/acculynx" \
  "HAR: each request keeps the path it was posted to"

stop_process "$IPID" "acx inspect"
expect_eq "$src" 0 "acx inspect exits 0 on SIGTERM"
finish
