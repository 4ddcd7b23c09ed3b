#!/usr/bin/env bash
# Benchmark: `acx send -n N -c 32` (a fresh, signed event per request) against wrk (a fixed body, no signing), both
# at nginx `return 204`, in one run; peak RSS of acx send at two sizes of N (memory must stay flat); and acx send into
# acx listen end to end. Prints figures and ratios. Not a test.
#
# Usage: bench/send.sh [N]   (default 200000; needs wrk, nginx and GNU time: scripts/setup --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
source bench/lib.sh
need wrk nginx /usr/bin/time
start_nginx
port=$nginx_port
secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

wrk_rps=$(wrk -t2 -c32 -d10s -s bench/unique-event.lua "http://127.0.0.1:$port/webhooks/acculynx" |
  awk '/Requests\/sec/ {printf "%.0f", $2}')

# acx send, with its peak RSS (GNU time's %M, KB) at N and at N/10.
send() {
  /usr/bin/time -f '%M' -o "$work/rss" "$acx" send job.milestone.current_changed --to "$1" --secret "$secret" \
    -n "$2" -c 32 --format json >"$work/summary.json"
  awk '{printf "%.1f", $1 / 1024}' "$work/rss"
}
rss_small=$(send "http://127.0.0.1:$port/webhooks/acculynx" $((n / 10)))
rss_big=$(send "http://127.0.0.1:$port/webhooks/acculynx" "$n")
acx_rps=$(grep -o '"eventsPerSecond":[0-9.]*' "$work/summary.json" | cut -d: -f2 | xargs printf '%.0f')
acx_p99=$(grep -o '"p99":[0-9.]*' "$work/summary.json" | cut -d: -f2)

# End to end: acx send into acx listen (standard signatures verified, journaled durably).
"$acx" listen --port 0 --ready-file "$work/ready" --scheme standard --secret "$secret" --journal "$work/j.db" \
  --format json >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/ready ]] && break; sleep 0.05; done
lport=$(cut -d: -f2 "$work/ready")
"$acx" send job.milestone.current_changed --to "http://127.0.0.1:$lport/webhooks/acculynx" --secret "$secret" \
  -n $((n / 4)) -c 32 --format json >"$work/e2e.json"
e2e_rps=$(grep -o '"eventsPerSecond":[0-9.]*' "$work/e2e.json" | cut -d: -f2 | xargs printf '%.0f')
e2e_ok=$(grep -o '"accepted":[0-9]*' "$work/e2e.json" | cut -d: -f2)

printf '\n%-34s %12s\n' "against nginx return 204" "requests/s"
printf '%-34s %12s\n' "wrk (fixed body, no signing)" "$wrk_rps"
printf '%-34s %12s   p99 %s ms\n' "acx send -n $n -c 32 (signed)" "$acx_rps" "$acx_p99"
printf '\nacx send / wrk: %s   (target >= 0.7x)\n' "$(awk -v a="$acx_rps" -v b="$wrk_rps" 'BEGIN { printf "%.2fx", a / b }')"
printf 'acx send peak RSS: %s MB at N=%s, %s MB at N=%s   (target < 30 MB, flat)\n' "$rss_small" $((n / 10)) "$rss_big" "$n"
printf 'acx send -> acx listen (standard, durable): %s events/s, %s of %s accepted\n' "$e2e_rps" "$e2e_ok" $((n / 4))
