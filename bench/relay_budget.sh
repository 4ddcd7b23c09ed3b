#!/usr/bin/env bash
# Benchmark: the relay's byte budget with 1 MB deliveries: a laptop catching up on N of them (default 600) while
# another takes live deliveries (their p99 from POST to output), the relay's RSS meanwhile, and SIGTERM's time to exit
# while a laptop catches up, each beside its target. Figures only.
#
# Usage: bench/relay_budget.sh [N]   (needs node: scripts/setup --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need node
node bench/relay_budget.mjs "$acx" "${1:-600}"
