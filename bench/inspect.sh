#!/usr/bin/env bash
# Benchmark: acx inspect over a journal of N deliveries (default 100,000; half job_created, half contact_added, and a
# few hundred refused): the time to the first page, to a page filtered by topic, by text, and the page after 2,000
# older ones, each the best of 5 with curl; the NDJSON and HAR exports of everything (first byte and whole); and acx
# inspect's peak RSS. Targets: first page and topic filter under 300 ms; exports streamed, first byte under 1 s; peak
# RSS under 60 MB. Not a test: figures only.
#
# Usage: bench/inspect.sh [N]   (needs curl)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
source bench/lib.sh
need curl sqlite3

# The journal: acx listen fed by acx send's load mode, then a few refused deliveries.
"$acx" listen --port 0 --journal "$work/journal.db" --ready-file "$work/listen.ready" --secret T0k3n \
  --durability process --format json >/dev/null 2>"$work/listen.log" &
listener=$!
pids+=("$listener")
for _ in $(seq 200); do [[ -s $work/listen.ready ]] && break; sleep 0.05; done
hook="http://$(cat "$work/listen.ready")/webhooks/acculynx"
"$acx" send job_created contact_added --to "$hook" --secret T0k3n -n "$n" -c 16 >/dev/null 2>&1
"$acx" send job_created --to "$hook" --secret wrong -n 300 -c 4 >/dev/null 2>&1 || true
kill "$listener"
wait "$listener" 2>/dev/null || true

start_inspect "$work/journal.db"

# best_ms QUERY: the fastest of 5 fetches of the list with that query, in milliseconds; checks the page has rows.
best_ms() {
  local best=999999 t
  for _ in 1 2 3 4 5; do
    t=$(curl -s -b "$cookie" -o "$work/page.html" -w '%{time_total}' "${base}?$1")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b * 1000 < a ? b * 1000 : a) }')
  done
  grep -q '<tr id=' "$work/page.html" || echo "bench: ?$1 shows no rows" >&2
  printf '%.1f' "$best"
}
first=$(best_ms "")
topic=$(best_ms "topic=contact_added")
text=$(best_ms "q=6513270e")
last=$(sqlite3 "$work/journal.db" 'select max(seq) from deliveries')
deep=$(best_ms "before=a$((last - 2000)).r0")
refused=$(best_ms "verdict=refused")
# export PATH: first byte and whole, in ms, and the bytes.
export_ms() {
  curl -s -b "$cookie" -o "$work/export" -w '%{time_starttransfer} %{time_total} %{size_download}' "${base}$1" |
    awk '{ printf "%.0f %.0f %.0f", $1 * 1000, $2 * 1000, $3 / 1048576 }'
}
read -r nd_first nd_all nd_mb <<<"$(export_ms export.ndjson)"
read -r har_first har_all har_mb <<<"$(export_ms export.har)"
rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$inspector/status")
records=$(sqlite3 "$work/journal.db" 'select count(*) from deliveries')

printf '\nacx inspect over %s deliveries (%s refused)\n' "$records" 300
printf '%-32s %10s %10s\n' page "best ms" "target"
printf '%-32s %10s %10s\n' "first page" "$first" "< 300"
printf '%-32s %10s %10s\n' "filtered by topic" "$topic" "< 300"
printf '%-32s %10s %10s\n' "filtered by text (a job id)" "$text" ""
printf '%-32s %10s %10s\n' "2,000 deliveries back" "$deep" ""
printf '%-32s %10s %10s\n' "refused only" "$refused" ""
printf '%-32s %10s %10s  (whole: %s ms, %s MB)\n' "NDJSON export, first byte" "$nd_first" "< 1000" "$nd_all" "$nd_mb"
printf '%-32s %10s %10s  (whole: %s ms, %s MB)\n' "HAR export, first byte" "$har_first" "< 1000" "$har_all" "$har_mb"
printf 'peak RSS of acx inspect, exports included: %s MB (target < 60)\n' "$rss"
