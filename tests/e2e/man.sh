#!/usr/bin/env bash
# The man pages acx writes (acx man --directory) format without a warning from groff, as lintian and Debian expect,
# and `acx man COMMAND` prints the page of that command.
source "$(dirname "$0")/lib.sh"

run "$ACX" man --directory "$WORK"
expect_rc 0 "acx man --directory"
pages=("$WORK"/*.1)
expect_eq "$( ((${#pages[@]} > 15)) && echo many)" "many" "a page for acx and each command (${#pages[@]})"

run "$ACX" man listen
expect_rc 0 "acx man listen"
expect_has "$out" ".TH ACX\\-LISTEN 1" "acx man listen: its title"
expect_eq "$out" "$(cat "$WORK/acx-listen.1")" "acx man listen is the file --directory wrote"
run "$ACX" man lisen
expect_rc 2 "acx man with a command acx does not have"
expect_has "$err" "'lisen': did you mean 'listen'?" "the error names it and the nearest"
run "$ACX" man --directory "$WORK/missing/dir"
expect_rc 4 "acx man --directory into a directory that does not exist"

command -v man >/dev/null || skip "man is not installed (scripts/setup --test installs man-db)"
for page in "${pages[@]}"; do
  checks=$((checks + 1))
  MANWIDTH=80 man --warnings -E UTF-8 -l "$page" >"$WORK/out.txt" 2>"$WORK/warnings.txt" ||
    fail "man -l $(basename "$page") exited $?"
  [[ ! -s $WORK/warnings.txt ]] || fail "man --warnings on $(basename "$page"): $(head -3 "$WORK/warnings.txt")"
  [[ -s $WORK/out.txt ]] || fail "man -l $(basename "$page") printed nothing"
done
expect_has "$(MANWIDTH=80 man -l "$WORK/acx.1" 2>/dev/null)" "EXIT STATUS" "acx(1) has the exit codes"
finish
