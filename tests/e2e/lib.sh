# Helpers for the end-to-end tests. Each test script: `source lib.sh "$ACX"`; failures are counted and the script
# exits non-zero at the end (finish) if any check failed.
set -u
ACX=${1:?usage: test.sh path/to/acx}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
# State of its own (the API budget shared by acx processes lives there): tests running at once do not pace each other.
export XDG_STATE_HOME=$WORK/state
# Waits are multiplied by this: ctest sets it higher for the sanitizer build, which runs several times slower.
SCALE=${ACX_TEST_SCALE:-1}
STARTED=() # processes started in the background, killed on exit whatever happens
cleanup() {
  local p
  for p in "${STARTED[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
failures=0
checks=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run CMD...: runs it, keeping stdout in $out, stderr in $err and the exit code in $rc.
run() {
  out=$("$@" 2>"$WORK/stderr") && rc=0 || rc=$?
  err=$(cat "$WORK/stderr")
}

# expect_rc N what: the last run exited with N.
expect_rc() {
  checks=$((checks + 1))
  [[ $rc == "$1" ]] || fail "$2: exit $rc, expected $1 (stderr: $err)"
}

# expect_eq ACTUAL EXPECTED what
expect_eq() {
  checks=$((checks + 1))
  [[ "$1" == "$2" ]] || fail "$3: got '$1', expected '$2'"
}

# expect_has HAYSTACK NEEDLE what
expect_has() {
  checks=$((checks + 1))
  [[ "$1" == *"$2"* ]] || fail "$3: '$1' does not contain '$2'"
}

# expect_not_has HAYSTACK NEEDLE what
expect_not_has() {
  checks=$((checks + 1))
  [[ "$1" != *"$2"* ]] || fail "$3: '$1' contains '$2'"
}

# skip REASON: the test cannot run here (an optional tool is missing); ctest reports it skipped, not passed.
# Checks that failed before it still fail the test.
skip() {
  echo "SKIP: $*" >&2
  ((failures == 0)) || finish
  exit 77
}

finish() {
  echo "$checks checks, $failures failed"
  ((failures == 0 && checks > 0))
  exit $?
}

# wait_until SECONDS WHAT CMD...: runs CMD every 50 ms until it succeeds. After SECONDS (times $SCALE) it fails the
# test naming WHAT and returns 1. A wait on an event, never a fixed sleep.
wait_until() {
  local seconds=$(($1 * SCALE)) what=$2 i
  shift 2
  for ((i = 0; i < seconds * 20; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  fail "waited $seconds s for $what"
  return 1
}

# wait_lines FILE N WHAT: waits until FILE has at least N lines (what a listener printed, say).
wait_lines() {
  local file=$1 n=$2
  has_lines() { [[ -f $file ]] && (($(wc -l <"$file") >= n)); }
  wait_until 10 "$3 ($n lines in $(basename "$file"))" has_lines
}

# wait_ready FILE PID WHAT: waits until acx (listen, sandbox) writes its ready file; fails loudly, with the process's
# stderr if ERRFILE is set, when the process exits first or takes longer than 20 s (times $SCALE).
wait_ready() {
  local file=$1 pid=$2 what=$3 i
  for ((i = 0; i < 400 * SCALE; i++)); do
    [[ -s $file ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  fail "$what did not start${ERRFILE:+: $(cat "$ERRFILE" 2>/dev/null)}"
  return 1
}

# bg CMD...: starts CMD in the background, records it for clean-up, and sets BGPID.
bg() {
  "$@" &
  BGPID=$!
  STARTED+=("$BGPID")
}

# quiet_port: a free port below the kernel's ephemeral range (net.ipv4.ip_local_port_range, which every bind to port 0
# draws from), for a server that goes away and comes back on the same port: no other test's port-0 server can be
# given it in between. Candidates start at an offset from this shell's pid (lib.mjs's quietPort uses another range);
# each is tried by binding it.
quiet_port() {
  local base=$((20000 + $$ % 5000)) i
  for ((i = 0; i < 500; i++)); do
    if node -e 'const s = require("net").createServer(); s.on("error", () => process.exit(1));
      s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close())' "$((base + i))" 2>/dev/null; then
      echo "$((base + i))"
      return 0
    fi
  done
  fail "no free port from $base"
  finish
}

# start_listener [ARGS...]: starts `acx listen --port 0` with a fresh journal in $WORK, output in $WORK/listen.out and
# .err; sets LPID, PORT and BASE (http://127.0.0.1:PORT). Fails the test if it is not ready within 10 s.
start_listener() {
  rm -f "$WORK/ready"
  bg "$ACX" listen --port 0 --ready-file "$WORK/ready" --journal "${JOURNAL:-$WORK/journal.db}" "$@" \
    >"$WORK/listen.out" 2>"$WORK/listen.err"
  LPID=$BGPID
  ERRFILE=$WORK/listen.err wait_ready "$WORK/ready" "$LPID" listener || finish
  PORT=$(cut -d: -f2 "$WORK/ready")
  BASE="http://127.0.0.1:$PORT"
}

# stop_listener: SIGTERM, and wait for it (at most 10 s times $SCALE); sets src to its exit code.
stop_listener() {
  stop_process "$LPID" listener
}

# stop_process PID WHAT: SIGTERM, and wait for it (at most 10 s times $SCALE); sets src to its exit code.
stop_process() {
  kill -TERM "$1" 2>/dev/null
  local i
  for ((i = 0; i < 200 * SCALE; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$1" 2>/dev/null; then
    fail "$2 did not stop within $((10 * SCALE)) s of SIGTERM"
    kill -9 "$1"
  fi
  wait "$1" && src=0 || src=$?
}

# post URL FILE [curl args...]: POSTs a file as JSON; sets status (HTTP code) and body.
post() {
  local url=$1 file=$2
  shift 2
  body=$(curl -s -o - -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "@$file" "$@" "$url")
  status=${body##*$'\n'}
  body=${body%$'\n'*}
}
