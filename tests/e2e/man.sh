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
run "$ACX" man --directory "$WORK/new/dir"
expect_rc 0 "acx man --directory into a directory that does not exist yet"
expect_eq "$(ls "$WORK/new/dir" | wc -l)" "$((${#pages[@]} + 1))" "creates it, with every page and acx.toml.5"
: >"$WORK/a-file"
run "$ACX" man --directory "$WORK/a-file/dir"
expect_rc 4 "acx man --directory under a file"
expect_has "$err" "cannot create the directory $WORK/a-file/dir" "says which"

# The config file's page, section 5: every key load() reads, referenced from acx(1), acx-listen(1) and the unit.
run "$ACX" man acx.toml
expect_rc 0 "acx man acx.toml"
expect_has "$out" '.TH ACX.TOML 5' "section 5"
expect_eq "$out" "$(cat "$WORK/acx.toml.5")" "the file --directory wrote"
for key in api_base api_key journal retain retain_size relay_token url topics name secret scheme headers token \
  secret_in signing_secret contact; do
  expect_has "$out" ".B $key" "acx.toml(5) documents $key"
done
expect_has "$(cat "$WORK/acx-listen.1")" ".BR acx.toml (5)" "acx-listen(1) refers to it"
expect_has "$(cat "$WORK/acx.1")" ".BR acx.toml (5)" "acx(1) refers to it"
expect_has "$(cat "$(dirname "$0")/../../packaging/acx-listen@.service")" "man:acx.toml(5)" "and so does the unit"

# mandoc's lint: nothing on any page, not even a style note.
if command -v mandoc >/dev/null; then
  run mandoc -Tlint "$WORK"/*.1 "$WORK"/acx.toml.5
  expect_eq "$out$err" "" "mandoc -Tlint: nothing"
else
  fail "mandoc is not installed (scripts/setup --test installs it)"
fi

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
