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
