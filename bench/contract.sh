#!/usr/bin/env bash
# Benchmark: what the contract check costs the listener (issue 38: at most 10% at its benchmark rate). wrk (2 threads,
# 32 connections, bench/unique-event.lua: a unique eventId per request) against `acx listen --scheme token` with
# --contract off and --contract warn, both --durability disk (the default) and process (the check's share is largest
# when no fsync waits), alternating off/warn twice and keeping each one's best run. Prints events/s and warn/off.
# Not a test: figures only.
# Usage: bench/contract.sh [DURATION]   (default 10s; needs wrk: scripts/setup --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
source bench/lib.sh
need wrk

declare -A best
run() { # DURABILITY CONTRACT ROUND
  local name="$1-$2" ready="$work/$1-$2-$3.ready"
  "$acx" listen --port 0 --ready-file "$ready" --scheme token --secret T0k3n --durability "$1" --contract "$2" \
    --journal "$work/$1-$2-$3.db" --format json >/dev/null 2>"$work/$name.log" &
  local pid=$!
  for _ in $(seq 200); do [[ -s $ready ]] && break; sleep 0.05; done
  local port rate
  port=$(cut -d: -f2 "$ready")
  rate=$(wrk -t2 -c32 -d"$duration" -s bench/unique-event.lua "http://127.0.0.1:$port/webhooks/acculynx?token=T0k3n" |
    awk '/Requests\/sec/ {printf "%.0f", $2}')
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  ((rate > ${best[$name]:-0})) && best[$name]=$rate
  return 0
}
for durability in disk process; do
  for round in 1 2; do
    run "$durability" off "$round"
    run "$durability" warn "$round"
  done
done
printf '%-10s %12s %12s %10s\n' durability "off (ev/s)" "warn (ev/s)" "warn/off"
for durability in disk process; do
  printf '%-10s %12s %12s %10s\n' "$durability" "${best[$durability-off]}" "${best[$durability-warn]}" \
    "$(awk -v a="${best[$durability-warn]}" -v b="${best[$durability-off]}" 'BEGIN { printf "%.2fx", a / b }')"
done
echo "target: warn/off >= 0.90x (validation never slows the listener by more than 10%)"
