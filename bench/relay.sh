#!/usr/bin/env bash
# Benchmark: the relay (acx listen --relay-token) and a laptop pulling it (acx listen --upstream), on loopback:
# latency from a POST to the laptop's output (p50, p99 of 1,000), a laptop catching up N deliveries (events/s), and
# the relay's deliveries (rate, p99) with no stream open, 50 idle streams, and 10 streams catching up. Figures only.
#
# Usage: bench/relay.sh [N]   (default 100000; needs node: scripts/setup --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need node
node bench/relay.mjs "$acx" "${1:-100000}"
