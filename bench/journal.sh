#!/usr/bin/env bash
# Benchmark: a journal of N realistic deliveries (default 1,000,000; bench/fill_journal.cpp writes them through the
# journal's writer: every topic with a fixture, 5,000 jobs, 20 subscriptions, random GUID eventIds, 1% duplicates,
# 90 days) and what reads it:
#   - the write path with and without migration 2's indexes (the same filler, N/5 deliveries each; target <= 10%)
#   - opening the journal and `acx events stats` (target < 1 s)
#   - the inspect page: the list, each filter (topic, a topic that matches nothing, subscription, verdict, a time
#     range, text) and a detail page, p95 of 20 requests each (target < 100 ms)
#   - `acx events list --limit 50` with each filter, p95 of 5 runs (target < 200 ms)
#   - `acx events export` and the page's NDJSON export: first byte (target < 1 s) and peak RSS (target < 60 MB)
# Not a test: figures only.
#
# Usage: bench/journal.sh [N]   (needs curl, GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
source bench/lib.sh
need curl /usr/bin/time
cmake --build build --target acx-fill-journal >/dev/null
fill=build/bench/acx-fill-journal

# The write path: N/5 deliveries, with and without the indexes, twice each, alternating (the machine is noisy).
small=$((n / 5))
declare -a with without
for round in 1 2; do
  rm -f "$work"/w.db*
  without+=("$("$fill" "$work/w.db" "$small" --without-indexes | sed -E 's/.*: ([0-9]+)\/s.*/\1/')")
  rm -f "$work"/w.db*
  with+=("$("$fill" "$work/w.db" "$small" | sed -E 's/.*: ([0-9]+)\/s.*/\1/')")
done
rm -f "$work"/w.db*
best() { printf '%s\n' "$@" | sort -n | tail -1; }

echo "filling a journal of $n deliveries..." >&2
"$fill" "$work/journal.db" "$n" >"$work/fill.txt"
size_mb=$(du -m "$work/journal.db" | cut -f1)

# ms COMMAND...: wall time of one run, in milliseconds.
ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
# p95 of the numbers on stdin (the 19th of 20, the 5th of 5).
p95() { sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.95 + 0.5); if (i < 1) i = 1; print v[i] }'; }

stats_ms=$(for _ in 1 2 3 4 5; do ms "$acx" events stats --journal "$work/journal.db"; done | p95)

start_inspect "$work/journal.db"

sub=$(sqlite3 "$work/journal.db" "SELECT subscription_id FROM deliveries WHERE seq = 1")
job=$(sqlite3 "$work/journal.db" "SELECT substr(json_extract(body, '$.event.job.id'), 1, 8) FROM deliveries WHERE json_extract(body, '$.event.job.id') IS NOT NULL ORDER BY seq DESC LIMIT 1")
since=$(date -u -d '45 days ago' +%Y-%m-%dT%H:%M:%SZ)
until=$(date -u -d '44 days ago' +%Y-%m-%dT%H:%M:%SZ)
mid=$((n / 2))

# page_p95 PATH: p95 of 20 fetches, in ms; says when the page shows no row.
page_p95() {
  for _ in $(seq 20); do
    curl -s -b "$cookie" -o "$work/page.html" -w '%{time_total}\n' "${base%/}$1"
  done | awk '{ printf "%.1f\n", $1 * 1000 }' | sort -n | awk '{ v[NR] = $1 } END { print v[19] }'
}
declare -A page
page[list]=$(page_p95 "/")
page[topic]=$(page_p95 "/?topic=job_created")
page[topic, no match]=$(page_p95 "/?topic=no_such_topic")
page[subscription]=$(page_p95 "/?subscription=$sub")
page[duplicates]=$(page_p95 "/?verdict=duplicate")
page[accepted]=$(page_p95 "/?verdict=accepted")
page[a day, 45 days ago]=$(page_p95 "/?since=$since&until=$until")
page[text, a job id]=$(page_p95 "/?q=$job")
page[text, a common word]=$(page_p95 "/?q=Henderson")
page[text, no match]=$(page_p95 "/?q=nowhere")
page[detail]=$(page_p95 "/d/a$mid")

declare -A list
events_p95() { for _ in 1 2 3 4 5; do ms "$acx" events list --journal "$work/journal.db" --limit 50 "$@"; done | p95; }
list[none]=$(events_p95)
list[topic]=$(events_p95 --topic job_created)
list[topic, no match]=$(events_p95 --topic no_such_topic)
list[a day, 45 days ago]=$(events_p95 --since "$since" --until "$until")
list[show one]=$(for _ in 1 2 3 4 5; do ms "$acx" events show "$mid" --journal "$work/journal.db"; done | p95)

# first_byte_ms COMMAND...: time until the command's first byte of output.
first_byte_ms() {
  local start end
  start=$(date +%s%N)
  "$@" | head -c 1 >/dev/null || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
export_first=$(first_byte_ms "$acx" events export --journal "$work/journal.db")
export_rss=$(/usr/bin/time -f '%M' "$acx" events export --journal "$work/journal.db" 2>&1 >/dev/null | tail -1)
page_first=$(curl -s -b "$cookie" -o /dev/null -w '%{time_starttransfer}' "${base%/}/export.ndjson" |
  awk '{ printf "%.0f", $1 * 1000 }')
page_rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$inspector/status")

printf '\n%s (%s MB)\n' "$(cat "$work/fill.txt")" "$size_mb"
printf '\nwrite path, journal alone (%s deliveries, best of 2): %s/s without the indexes, %s/s with: %s\n' "$small" \
  "$(best "${without[@]}")" "$(best "${with[@]}")" \
  "$(awk -v a="$(best "${without[@]}")" -v b="$(best "${with[@]}")" 'BEGIN { printf "%.1f%% slower (target <= 10%%)", (a - b) * 100 / a }')"
printf 'open the journal + acx events stats, p95 of 5: %s ms (target < 1000)\n' "$stats_ms"
printf '\n%-28s %12s %8s\n' "inspect page" "p95 ms" target
for k in list topic "topic, no match" subscription duplicates accepted "a day, 45 days ago" "text, a job id" \
  "text, a common word" "text, no match" detail; do
  printf '%-28s %12s %8s\n' "$k" "${page[$k]}" "< 100"
done
printf '\n%-28s %12s %8s\n' "acx events list --limit 50" "p95 ms" target
for k in none topic "topic, no match" "a day, 45 days ago" "show one"; do
  printf '%-28s %12s %8s\n' "$k" "${list[$k]}" "< 200"
done
printf '\nacx events export: first byte %s ms (target < 1000), peak RSS %.1f MB (target < 60)\n' "$export_first" \
  "$(awk -v kb="$export_rss" 'BEGIN { print kb / 1024 }')"
printf 'inspect NDJSON export: first byte %s ms (target < 1000); the page'"'"'s peak RSS, all included: %s MB (target < 60)\n' \
  "$page_first" "$page_rss"
