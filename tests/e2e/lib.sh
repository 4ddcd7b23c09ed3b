# Helpers for the end-to-end tests. Each test script: `source lib.sh "$ACX"`; failures are counted and the script
# exits non-zero at the end (finish) if any check failed.
set -u
ACX=${1:?usage: test.sh path/to/acx}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
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

finish() {
  echo "$checks checks, $failures failed"
  ((failures == 0 && checks > 0))
  exit $?
}

# start_listener [ARGS...]: starts `acx listen --port 0` with a fresh journal in $WORK, output in $WORK/listen.out and
# .err; sets LPID, PORT and BASE (http://127.0.0.1:PORT). Fails the test if it is not ready within 10 s.
start_listener() {
  rm -f "$WORK/ready"
  "$ACX" listen --port 0 --ready-file "$WORK/ready" --journal "${JOURNAL:-$WORK/journal.db}" "$@" \
    >"$WORK/listen.out" 2>"$WORK/listen.err" &
  LPID=$!
  for _ in $(seq 200); do
    [[ -s $WORK/ready ]] && break
    kill -0 "$LPID" 2>/dev/null || break
    sleep 0.05
  done
  if [[ ! -s $WORK/ready ]]; then
    fail "listener did not start: $(cat "$WORK/listen.err")"
    finish
  fi
  PORT=$(cut -d: -f2 "$WORK/ready")
  BASE="http://127.0.0.1:$PORT"
}

# stop_listener: SIGTERM, and wait for it (at most 10 s); sets src to its exit code.
stop_listener() {
  kill -TERM "$LPID" 2>/dev/null
  for _ in $(seq 200); do kill -0 "$LPID" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$LPID" 2>/dev/null; then
    fail "listener did not stop within 10 s of SIGTERM"
    kill -9 "$LPID"
  fi
  wait "$LPID" && src=0 || src=$?
}

# post URL FILE [curl args...]: POSTs a file as JSON; sets status (HTTP code) and body.
post() {
  local url=$1 file=$2
  shift 2
  body=$(curl -s -o - -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "@$file" "$@" "$url")
  status=${body##*$'\n'}
  body=${body%$'\n'*}
}
