#!/usr/bin/env bash
# Benchmark: how committed deliveries reach a listener's readers (bench/tail.mjs): the idle listener's CPU with a
# forwarder, a relay stream and the inspect page open (60 s by default), and each reader's p50/p90 from a delivery's
# POST to its arrival there. With BEFORE (an acx built from an earlier commit), both binaries in one run, side by side,
# with ratios. Figures only.
#
# Usage: bench/tail.sh [IDLE_SECONDS] [BEFORE]   (needs node: scripts/setup --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need node
idle=${1:-60}
before=${2:-}
run() { node bench/tail.mjs "$1" "$idle" | tee /dev/stderr | tail -n 1; }
after_json=$(run "$(realpath "$acx")")
[[ -n $before ]] || exit 0
before_json=$(run "$(realpath "$before")")
node -e '
const [a, b] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2])];
const row = (what, x, y, unit) => console.log(`${what.padEnd(24)} ${x.toFixed(3).padStart(9)} ${unit.padEnd(6)} ` +
  `${y.toFixed(3).padStart(9)} ${unit.padEnd(6)} ${(x / y).toFixed(2).padStart(6)}x`);
console.log(`${"".padEnd(24)} ${"this acx".padStart(16)} ${"before".padStart(16)}  ratio`);
row("idle CPU", a.idle, b.idle, "%");
for (const r of ["forward", "relay", "page"]) {
  row(`${r} p50 (POST->reader)`, a[r].p50, b[r].p50, "ms");
  row(`${r} p90`, a[r].p90, b[r].p90, "ms");
}' "$after_json" "$before_json"
