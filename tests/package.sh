#!/usr/bin/env bash
# The Debian package on this machine, as a user meets it: dpkg -i, acx version, man -w, completions that work without
# setup, a listen/send round trip with the installed binary started as acx-listen@.service starts it, lintian, then
# dpkg -r leaves no file behind. Installs and removes a package, so it is not a ctest test: scripts/test runs it, as
# root, after building the package (scripts/package).
# Usage: tests/package.sh build/acx_VERSION_amd64.deb
source "$(dirname "$0")/e2e/lib.sh"
DEB=$(realpath "$ACX")
ACX=/usr/bin/acx

[[ $(id -u) == 0 ]] || skip "dpkg -i needs root"
if dpkg-query -W -f='${Status}' acx 2>/dev/null | grep -q "ok installed"; then
  skip "acx is installed on this machine already: this test would replace it and then remove it"
fi
[[ -x $ACX ]] && skip "$ACX exists and is not dpkg's: this test would replace it"

# The files dpkg may touch, before and after (caches, logs and dpkg's own records aside).
snapshot() {
  find /usr /etc /lib /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache \) -prune \
    -o -print 2>/dev/null | sort
}
snapshot >"$WORK/before.txt"
trap 'dpkg -P acx >/dev/null 2>&1; cleanup' EXIT

# lintian first: it needs nothing installed. Errors fail the test; the rest is printed.
if command -v lintian >/dev/null; then
  lintian --fail-on error -I --color never "$DEB" >"$WORK/lintian.txt" 2>&1 && rc=0 || rc=$?
  grep -v '^running with root' "$WORK/lintian.txt" | sed 's/^/lintian: /' >&2
  expect_rc 0 "lintian reports no error"
else
  fail "lintian is not installed (scripts/setup --test installs it)"
fi

# Docker's Debian images may exclude /usr/share/man from every package: include ours back.
run dpkg -i --path-include='/usr/share/man/man1/acx*' --path-include='/usr/share/man/man5/acx*' "$DEB"
expect_rc 0 "dpkg -i $(basename "$DEB")"
((rc == 0)) || finish

version=$(dpkg-deb -f "$DEB" Version)
run "$ACX" version
expect_rc 0 "acx version"
expect_has "$out" "acx $version" "acx version: the package's version"
expect_has "$out" "libmicrohttpd" "acx version: the libraries"

run man -w acx acx-listen
expect_rc 0 "man -w acx acx-listen"
expect_eq "$out" $'/usr/share/man/man1/acx.1.gz\n/usr/share/man/man1/acx-listen.1.gz' "man -w: the installed pages"
expect_has "$(MANWIDTH=80 man acx-listen 2>/dev/null)" "--forward-to" "man acx-listen shows the flags"
run man -w 5 acx.toml
expect_eq "$out" "/usr/share/man/man5/acx.toml.5.gz" "man -w 5 acx.toml: the config file's page"
expect_has "$(MANWIDTH=80 man 5 acx.toml 2>/dev/null)" "relay_token" "man 5 acx.toml: the profile's keys"

# bash: the installed file, as bash-completion loads it, completes `acx li` to listen.
completions=$(bash -c 'source /usr/share/bash-completion/completions/acx; COMP_WORDS=(acx li); COMP_CWORD=1; _acx
  printf "%s\n" "${COMPREPLY[@]}"')
expect_eq "$completions" "listen" "bash completion of 'acx li'"
# fish finds vendor completions by itself: no setup at all.
if command -v fish >/dev/null; then
  expect_has "$(HOME=$WORK fish -c 'complete -C "acx li"' | cut -f1)" "listen" "fish completes 'acx li' unaided"
fi
expect_eq "$(head -c 12 /usr/share/zsh/vendor-completions/_acx)" "#compdef acx" "zsh: the installed file"

# A listen/send round trip, started the way acx-listen@.service starts it: the config as a credential, the journal
# from ACX_JOURNAL, the flags from $ACX_FLAGS.
unit=$(systemctl cat acx-listen@.service 2>/dev/null || cat /usr/lib/systemd/system/acx-listen@.service)
exec_start=$(sed -n 's/^ExecStart=//p' <<<"$unit")
expect_has "$exec_start" '${CREDENTIALS_DIRECTORY}/config.toml' "the unit hands the config over as a credential"
token=$(openssl rand -hex 32)
id=6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f
mkdir -p "$WORK/credentials" "$WORK/state"
cat >"$WORK/credentials/config.toml" <<TOML
[[profiles.default.subscriptions]]
id = "$id"
url = "http://127.0.0.1:8787/webhooks/acculynx"
token = "$token"
secret_in = "query"
topics = ["job_created"]
contact = "ops@example.com"
TOML
chmod 400 "$WORK/credentials/config.toml"
command=${exec_start//'${CREDENTIALS_DIRECTORY}'/$WORK/credentials}
command=${command//'$ACX_FLAGS'/--port 0 --ready-file $WORK/ready --count 1 --timeout $((60 * SCALE))s}
expect_eq "${command%% *}" "$ACX" "the unit runs the installed binary"
# shellcheck disable=SC2086 # the command line is words, as systemd splits it
ACX_JOURNAL=$WORK/state/journal.db bg $command >"$WORK/listen.out" 2>"$WORK/listen.err"
if ERRFILE=$WORK/listen.err wait_ready "$WORK/ready" "$BGPID" "the installed acx listen"; then
  run "$ACX" send job_created --to "http://$(cat "$WORK/ready")/webhooks/acculynx" --secret "$token" --subscription "$id"
  expect_rc 0 "the installed acx send to the installed acx listen"
  wait "$BGPID" && rc=0 || rc=$?
  expect_rc 0 "acx listen --count 1 ends once the event is in"
  expect_has "$(cat "$WORK/listen.out")" '"topic":"job_created"' "the listener printed the event"
  run "$ACX" events list --journal "$WORK/state/journal.db" --format json
  expect_has "$out" '"topic":"job_created"' "the event is in the journal ACX_JOURNAL named"
fi

if command -v systemd-analyze >/dev/null; then
  run systemd-analyze verify acx-listen@package-test.service
  expect_rc 0 "systemd-analyze verify on the installed unit"
  expect_eq "$err" "" "systemd-analyze verify says nothing"
fi

run dpkg -r acx
expect_rc 0 "dpkg -r acx"
run dpkg -P acx
snapshot >"$WORK/after.txt"
left=$(comm -3 "$WORK/before.txt" "$WORK/after.txt")
expect_eq "$left" "" "dpkg -r acx leaves the file tree as it found it"
finish
