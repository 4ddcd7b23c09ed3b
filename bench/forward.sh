#!/usr/bin/env bash
# Benchmark: `acx listen --forward-to` keeping up with what it receives. The app is nginx `return 204` (the fastest
# app there is); acx receives, journals and forwards each event, in order per job.
#  1. Sustained: `acx send --rate R --duration D` (a rate wrk cannot hold) into acx listen, events over 200 jobs;
#     every second, from /metrics: received, forwarded, the forwarding lag (events) and the oldest pending event's age.
#  2. Flat out: wrk (2 threads, 32 connections) for 10 s over 200 jobs, then until the lag is gone: received/s and
#     forwarded/s.
#  3. One ordering key: the same, every event of one job, handed over one at a time: how far a single key goes.
#  4. jq: case 2 again with a filter and a transform on every event (issue 39): jq's cost per event, as the
#     forwarded rate against case 2's and the wall time it adds to each event.
#  5. NATS: case 2 again into a JetStream stream of a nats-server -js on loopback (issue 39) instead of nginx, each
#     event handed over on JetStream's acknowledgement (file storage): against case 2's rate.
# Prints figures side by side and the ratios against the targets. Not a test: figures only.
#
# Usage: bench/forward.sh [RATE] [DURATION]   (default 5000 60s; needs wrk, nginx, nats-server and curl:
# scripts/setup --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-5000}
duration=${2:-60s}
source bench/lib.sh
need wrk nginx curl nats-server

metric() { awk -v m="$2" '$1 ~ "^"m {print $2; exit}' <<<"$1"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# start_acx NAME [ARGS...]: acx listen forwarding to nginx, on a free port; sets acx_port and acx_pid.
start_acx() {
  local name=$1
  shift
  "$acx" listen --port 0 --ready-file "$work/$name.ready" --scheme none --journal "$work/$name.db" --format json \
    --forward-to "${forward_to:-http://127.0.0.1:$nginx_port/app}" --name app "$@" >/dev/null 2>"$work/$name.log" &
  acx_pid=$!
  pids+=("$acx_pid")
  for _ in $(seq 200); do [[ -s $work/$name.ready ]] && break; sleep 0.05; done
  acx_port=$(cut -d: -f2 "$work/$name.ready")
}

# sample: one line of /metrics figures: received forwarded lag oldest_seconds
sample() {
  local m
  m=$(curl -s "http://127.0.0.1:$acx_port/metrics")
  echo "$(metric "$m" acx_deliveries_accepted_total) $(metric "$m" 'acx_forward_delivered_total') \
$(metric "$m" 'acx_forward_lag_events') $(metric "$m" 'acx_forward_oldest_pending_seconds')"
}

# wait_drained: until the lag is gone; prints the seconds it took.
wait_drained() {
  local start=$SECONDS
  while read -r _ _ lag _ < <(sample); [[ ${lag:-1} != 0 ]]; do sleep 0.2; done
  echo $((SECONDS - start))
}

start_nginx
nats_port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
pids+=($!)
wait_port "$nats_port"

# 1. Sustained rate over 200 jobs.
mkdir -p "$work/jobs"
for i in $(seq 200); do
  "$acx" fixtures show job.milestone.current_changed |
    sed "s/6513270e-269e-4d37-b2a7-4de452e6b438/6513270e-269e-4d37-b2a7-$(printf '%012x' "$i")/" >"$work/jobs/$i.json"
done
start_acx sustained
"$acx" send "$work/jobs" --to "http://127.0.0.1:$acx_port/webhooks/acculynx" --rate "$rate" --duration "$duration" \
  -c 16 --format json >"$work/send.json" 2>/dev/null &
sender=$!
max_lag=0
max_age=0
printf '%6s %10s %10s %8s %10s\n' second received forwarded lag "oldest s" >"$work/timeline"
t=0
while kill -0 "$sender" 2>/dev/null; do
  sleep 1
  t=$((t + 1))
  read -r received forwarded lag age < <(sample)
  printf '%6s %10s %10s %8s %10s\n' "$t" "$received" "$forwarded" "$lag" "$age" >>"$work/timeline"
  max_lag=$(awk -v a="$max_lag" -v b="$lag" 'BEGIN { print (b > a ? b : a) }')
  max_age=$(awk -v a="$max_age" -v b="$age" 'BEGIN { print (b > a ? b : a) }')
done
wait "$sender" || true
drain=$(wait_drained)
read -r received forwarded _ _ < <(sample)
sustained_rss=$(peak_rss_mb "$acx_pid")
kill "$acx_pid"
secs=${duration%s}

# 2. Flat out over 200 jobs, then 3. one job.
declare -A got_in got_out got_drain
jq_filter='.topicName | startswith("job")'
jq_transform='{job: .event.job.id, milestone: .event.job.milestone.name, at: .eventDateTime}'
for case in jobs:200 one-key:1 jq:200 nats:200; do
  name=${case%%:*}
  if [[ $name == jq ]]; then
    start_acx "$name" --forward-filter "$jq_filter" --forward-transform "$jq_transform"
  elif [[ $name == nats ]]; then
    forward_to="nats://127.0.0.1:$nats_port/acx.bench" start_acx "$name"
  else
    start_acx "$name"
  fi
  start_s=$(date +%s.%N)
  JOBS=${case##*:} wrk -t2 -c32 -d10s -s bench/unique-event.lua "http://127.0.0.1:$acx_port/webhooks/acculynx" >/dev/null
  in_s=$(date +%s.%N)
  read -r r_in f_at_end _ _ < <(sample)
  # One job goes one event at a time: it may take long to drain; it is measured for 30 s at most.
  limit=$((SECONDS + 30))
  while read -r _ f lag _ < <(sample); [[ $lag != 0 && $SECONDS -lt $limit ]]; do sleep 0.2; done
  out_s=$(date +%s.%N)
  read -r _ f_total _ _ < <(sample)
  got_in[$name]=$(awk -v n="$r_in" -v a="$start_s" -v b="$in_s" 'BEGIN { printf "%.0f", n / (b - a) }')
  got_out[$name]=$(awk -v n="$f_total" -v a="$start_s" -v b="$out_s" 'BEGIN { printf "%.0f", n / (b - a) }')
  got_drain[$name]=$(awk -v a="$in_s" -v b="$out_s" 'BEGIN { printf "%.1f", b - a }')
  kill "$acx_pid"
done

cat "$work/timeline"
printf '\n%-34s %12s %12s\n' "" received/s forwarded/s
printf '%-34s %12s %12s\n' "sustained ($rate/s for $duration)" \
  "$(awk -v n="$received" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')" \
  "$(awk -v n="$forwarded" -v s="$secs" -v d="$drain" 'BEGIN { printf "%.0f", n / (s + d) }')"
printf '%-34s %12s %12s   (drained %s s after wrk)\n' "wrk flat out, 200 jobs" "${got_in[jobs]}" "${got_out[jobs]}" \
  "${got_drain[jobs]}"
printf '%-34s %12s %12s   (one event at a time; %s s after wrk)\n' "wrk flat out, one job" "${got_in[one-key]}" \
  "${got_out[one-key]}" "${got_drain[one-key]}"
printf '%-34s %12s %12s   (filter and transform on every event; %s s after wrk)\n' "wrk flat out, 200 jobs, jq" \
  "${got_in[jq]}" "${got_out[jq]}" "${got_drain[jq]}"
printf 'jq: forwarded/s with a filter and a transform / without: %s; %s us of wall time added per event\n' \
  "$(awk -v a="${got_out[jq]}" -v b="${got_out[jobs]}" 'BEGIN { printf "%.2fx", a / b }')" \
  "$(awk -v a="${got_out[jq]}" -v b="${got_out[jobs]}" 'BEGIN { printf "%.0f", (1 / a - 1 / b) * 1e6 }')"
printf '%-34s %12s %12s   (into JetStream, each acknowledged; %s s after wrk)\n' "wrk flat out, 200 jobs, NATS" \
  "${got_in[nats]}" "${got_out[nats]}" "${got_drain[nats]}"
printf 'NATS: forwarded/s to JetStream / to nginx: %s\n' \
  "$(awk -v a="${got_out[nats]}" -v b="${got_out[jobs]}" 'BEGIN { printf "%.2fx", a / b }')"
printf '\nsustained: received %s, forwarded %s; max lag %s events, oldest pending at most %s s (target < 1 s); ' \
  "$received" "$forwarded" "$max_lag" "$max_age"
printf 'drained %s s after the sender stopped; peak RSS %s MB (target < 60)\n' "$drain" "$sustained_rss"
printf 'forwarded / received, sustained: %s   (target 1.00x: keeps up)\n' \
  "$(awk -v a="$forwarded" -v b="$received" 'BEGIN { printf "%.2fx", a / b }')"
