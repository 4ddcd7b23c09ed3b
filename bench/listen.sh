#!/usr/bin/env bash
# Benchmark: `acx listen --scheme token` (verify, validate, durably journal) against nginx `return 204` (the machine's
# ceiling) and a hand-written Node.js listener (token check, JSON.parse, append without fsync), side by side in one
# run, with the same load: wrk, 32 connections, a 547-byte milestone envelope with a unique eventId per request.
# acx runs twice, once per --durability: disk (fsync'd before each answer, group commit) and process (written to the
# WAL before each answer, fsync'd within a second). More rows explain the figures: the Node listener made durable by
# hand (fdatasync per event), and the Node listener's work in C++ on bare libmicrohttpd (acx's HTTP layer: its
# ceiling) and on bare cpp-httplib (the server acx used before).
# And acx on PostgreSQL (issue 22): one listener, and two listeners on one database sharing the load (each with half
# the connections), against acx on SQLite with the same durability (disk: each commit's WAL flushed).
# Prints events/s, p50/p99 latency and peak RSS for each, and acx's ratios. Not a test: figures only.
#
# Usage: bench/listen.sh [DURATION]   (default 10s; needs wrk, nginx and node: scripts/setup --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=32
source bench/lib.sh
need wrk nginx node
start_postgres

# Peak resident memory (VmHWM) of a process and its children, in MB.
peak_rss_mb() {
  local total=0 pid kb
  for pid in "$1" $(pgrep -P "$1" || true); do
    kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + kb))
  done
  awk -v kb="$total" 'BEGIN { printf "%.1f", kb / 1024 }'
}

# run_wrk NAME URL PID: runs the load and records events/s, p50, p99 (ms) and peak RSS.
declare -A rps p50 p99 rss
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000 }'; }
run_wrk() {
  local name=$1 url=$2 pid=$3
  IDS=${IDS:-random} wrk -t2 -c"$connections" -d"$duration" --latency -s bench/unique-event.lua "$url" \
    >"$work/wrk-$name.out"
  record "$name" "$pid"
}
# record NAME PID: the figures of wrk's output in $work/wrk-NAME.out.
record() {
  local name=$1 pid=$2 out
  out=$(<"$work/wrk-$name.out")
  rps[$name]=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  rss[$name]=$(peak_rss_mb "$pid")
  local errors
  errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  [[ -z $errors ]] || echo "bench: $name: $errors" >&2
}

# (a) nginx: return 204.
start_nginx
run_wrk nginx "http://127.0.0.1:$nginx_port/webhooks/acculynx?token=T0k3n" "${pids[-1]}"

# (b) the hand-written Node.js listener.
node_port=$(free_port)
node bench/node-listener.js "$node_port" T0k3n "$work/node-events.jsonl" &
pids+=($!)
wait_port "$node_port"
run_wrk node "http://127.0.0.1:$node_port/webhooks/acculynx?token=T0k3n" "${pids[-1]}"

# (b') the same, durable by hand: fdatasync before each answer.
node_port=$(free_port)
node bench/node-listener.js "$node_port" T0k3n "$work/node-fsync-events.jsonl" fsync &
pids+=($!)
wait_port "$node_port"
run_wrk node+fsync "http://127.0.0.1:$node_port/webhooks/acculynx?token=T0k3n" "${pids[-1]}"

# (b'') the Node listener's work on bare libmicrohttpd (acx's HTTP layer) and on bare cpp-httplib (the one before).
bare_port=$(free_port)
g++ -std=c++20 -O2 bench/mhd_bare.cpp -o "$work/mhd_bare" $(pkg-config --cflags --libs libmicrohttpd) -pthread
"$work/mhd_bare" "$bare_port" T0k3n "$work/mhd-events.jsonl" &
pids+=($!)
wait_port "$bare_port"
run_wrk mhd "http://127.0.0.1:$bare_port/webhooks/acculynx?token=T0k3n" "${pids[-1]}"
bare_port=$(free_port)
g++ -std=c++20 -O2 bench/httplib_bare.cpp -o "$work/httplib_bare" $(pkg-config --cflags --libs cpp-httplib) -pthread
"$work/httplib_bare" "$bare_port" T0k3n "$work/bare-events.jsonl" &
pids+=($!)
wait_port "$bare_port"
run_wrk httplib "http://127.0.0.1:$bare_port/webhooks/acculynx?token=T0k3n" "${pids[-1]}"

# (c) acx listen: token check, envelope validation, journal, dedup, JSON lines on stdout; once per durability, with
# random GUID eventIds (as AccuLynx sends), then again with sequential ones (the second figure).
# And once more (process) on a journal without migration 2's indexes and text index: what they cost the write path.
cmake --build build --target acx-fill-journal >/dev/null
build/bench/acx-fill-journal "$work/journal-process-noindex.db" 0 --without-indexes >/dev/null
declare -A accepted
for mode in disk process disk-sequential process-sequential process-noindex; do
  [[ $mode == *-sequential ]] && export IDS=sequential || export IDS=random
  "$acx" listen --port 0 --ready-file "$work/acx-$mode.ready" --scheme token --secret T0k3n --durability "${mode%-*}" \
    --journal "$work/journal-$mode.db" --format json >"$work/acx-$mode-events.jsonl" 2>"$work/acx-$mode.log" &
  pids+=($!)
  for _ in $(seq 200); do [[ -s $work/acx-$mode.ready ]] && break; sleep 0.05; done
  acx_port=$(cut -d: -f2 "$work/acx-$mode.ready")
  run_wrk "acx-$mode" "http://127.0.0.1:$acx_port/webhooks/acculynx?token=T0k3n" "${pids[-1]}"
  accepted[$mode]=$(curl -s "http://127.0.0.1:$acx_port/metrics" | awk '/^acx_deliveries_accepted_total/ {print $2}')
  kill "${pids[-1]}"
done

# (d) acx on PostgreSQL, --durability disk (synchronous_commit on): one listener; then two on one database, each
# given half the connections at once (their figures summed, the worse p99).
unset IDS
pg_listener() { # NAME: starts acx listen on $pg_uri; sets pg_port
  "$acx" listen --port 0 --ready-file "$work/$1.ready" --scheme token --secret T0k3n --journal "$pg_uri" \
    --format json >"$work/$1-events.jsonl" 2>"$work/$1.log" &
  pids+=($!)
  for _ in $(seq 200); do [[ -s $work/$1.ready ]] && break; sleep 0.05; done
  pg_port=$(cut -d: -f2 "$work/$1.ready")
}
pg_listener acx-pg
run_wrk acx-pg "http://127.0.0.1:$pg_port/webhooks/acculynx?token=T0k3n" "${pids[-1]}"
pg_metrics=$(curl -s "http://127.0.0.1:$pg_port/metrics")
kill "${pids[-1]}"
pg_listener acx-pg-a
port_a=$pg_port pid_a=${pids[-1]}
pg_listener acx-pg-b
port_b=$pg_port pid_b=${pids[-1]}
for side in a b; do
  port_var=port_$side
  wrk -t1 -c$((connections / 2)) -d"$duration" --latency -s bench/unique-event.lua \
    "http://127.0.0.1:${!port_var}/webhooks/acculynx?token=T0k3n" >"$work/wrk-acx-pg-2$side.out" &
  wrks+=($!)
done
wait "${wrks[@]}"
record acx-pg-2a "$pid_a"
record acx-pg-2b "$pid_b"
rps[acx-pg-2]=$((${rps[acx-pg-2a]} + ${rps[acx-pg-2b]}))
p50[acx-pg-2]=$(awk -v a="${p50[acx-pg-2a]}" -v b="${p50[acx-pg-2b]}" 'BEGIN { print (a > b ? a : b) }')
p99[acx-pg-2]=$(awk -v a="${p99[acx-pg-2a]}" -v b="${p99[acx-pg-2b]}" 'BEGIN { print (a > b ? a : b) }')
rss[acx-pg-2]="${rss[acx-pg-2a]}+${rss[acx-pg-2b]}"
kill "$pid_a" "$pid_b"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf '\n%-22s %12s %10s %10s %12s\n' target "events/s" "p50 ms" "p99 ms" "peak RSS MB"
for name in nginx node node+fsync mhd httplib acx-disk acx-process acx-disk-sequential acx-process-sequential \
  acx-process-noindex acx-pg acx-pg-2; do
  printf '%-22s %12s %10s %10s %12s\n' "$name" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" "${rss[$name]}"
done
printf '\nrandom GUID eventIds, as AccuLynx sends:\n'
printf 'acx --durability process / node:       %s   (target >= 1.0x; node appends without syncing)\n' \
  "$(ratio "${rps[acx-process]}" "${rps[node]}")"
printf 'acx --durability disk / node+fsync:    %s   (target >= 4.0x; the same guarantee, by hand)\n' \
  "$(ratio "${rps[acx-disk]}" "${rps[node+fsync]}")"
printf 'acx --durability process / nginx:      %s\n' "$(ratio "${rps[acx-process]}" "${rps[nginx]}")"
printf 'acx --durability process / bare MHD:   %s   (the HTTP layer alone, no journal)\n' \
  "$(ratio "${rps[acx-process]}" "${rps[mhd]}")"
printf 'p99: disk %s ms, process %s ms (target < 10); peak RSS: disk %s MB, process %s MB (target < 50)\n' \
  "${p99[acx-disk]}" "${p99[acx-process]}" "${rss[acx-disk]}" "${rss[acx-process]}"
printf 'sequential eventIds (second figure): process / node %s, disk / node+fsync %s\n' \
  "$(ratio "${rps[acx-process-sequential]}" "${rps[node]}")" "$(ratio "${rps[acx-disk-sequential]}" "${rps[node+fsync]}")"
printf 'the indexes and text index cost the write path: process %s/s with, %s/s without: %s\n' \
  "${rps[acx-process]}" "${rps[acx-process-noindex]}" \
  "$(awk -v a="${rps[acx-process-noindex]}" -v b="${rps[acx-process]}" 'BEGIN { printf "%.1f%% (target <= 10%%)", (a - b) * 100 / a }')"
printf 'events accepted and journaled: disk %s, process %s\n' "${accepted[disk]}" "${accepted[process]}"
printf '\nPostgreSQL (the same machine, --durability disk: synchronous_commit on):\n'
printf 'acx on PostgreSQL / acx on SQLite (disk): %s   (target >= 0.30x)\n' "$(ratio "${rps[acx-pg]}" "${rps[acx-disk]}")"
printf 'two listeners on one database / one:      %s   (one commit at a time: the advisory lock orders them)\n' \
  "$(ratio "${rps[acx-pg-2]}" "${rps[acx-pg]}")"
awk '/^acx_journal_commit_seconds_sum/ {s = $2} /^acx_journal_commit_seconds_count/ {c = $2}
  /^acx_deliveries_accepted_total/ {a = $2}
  END { if (c > 0) printf "where the time goes (one listener): %d commits, %.1f deliveries each, %.2f ms per commit\n", c, a / c, s * 1000 / c }' \
  <<<"$pg_metrics"
