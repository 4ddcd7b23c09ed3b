#!/usr/bin/env bash
# scripts/link, as scripts/start runs it: `acx` on the PATH as a link to this clone's build, never over an installed
# package's acx (a clone's link is removed then), never to a binary that is not built, never over a file that is not
# a link; a link of another clone's is re-pointed with a word about it.
source "$(dirname "$0")/lib.sh"
link="$SRC/scripts/link"
bin=$WORK/bin
mkdir -p "$bin"
export ACX_LINK_DIR=$bin ACX_PACKAGED=$WORK/usr/bin/acx # no package installed yet

run "$link" "$WORK/clone/build/acx"
expect_rc 1 "a clone whose acx is not built"
expect_has "$err" "$WORK/clone/build/acx is not built" "says so"
expect_eq "$(ls -A "$bin")" "" "and links nothing"

run "$link" "$ACX"
expect_rc 0 "a built acx"
expect_eq "$(readlink "$bin/acx")" "$(realpath "$ACX")" "is linked"
expect_has "$err" "acx on the PATH: $bin/acx -> $(realpath "$ACX")" "and says so"

mkdir -p "$WORK/other/build"
cp "$ACX" "$WORK/other/build/acx"
run "$link" "$WORK/other/build/acx"
expect_rc 0 "another clone's built acx"
expect_eq "$(readlink "$bin/acx")" "$WORK/other/build/acx" "takes the link"
expect_has "$err" "(it was -> $(realpath "$ACX"))" "saying where it pointed before"

# A package installed: its acx is the one on the PATH; the clone's link goes, and none is made again.
mkdir -p "$WORK/usr/bin"
cp "$ACX" "$WORK/usr/bin/acx"
run "$link" "$ACX"
expect_rc 0 "with a packaged acx"
[[ ! -e $bin/acx && ! -L $bin/acx ]] || fail "the clone's link still shadows the package's acx"
checks=$((checks + 1))
expect_has "$err" "removed $bin/acx (it would shadow the installed package's $WORK/usr/bin/acx)" "says what it removed"
expect_has "$err" "this build is $(realpath "$ACX") (run it by that path)" "and where this build is"
run "$link" "$ACX"
[[ ! -e $bin/acx ]] || fail "a second run links over the package"
checks=$((checks + 1))

# A file that is not a link is left alone.
rm -rf "$WORK/usr"
printf '#!/bin/sh\n' >"$bin/acx"
run "$link" "$ACX"
expect_rc 0 "over a file of someone else's"
expect_eq "$(cat "$bin/acx")" "#!/bin/sh" "left alone"
expect_has "$err" "is not a link to a build: left alone" "says so"
finish
