#!/usr/bin/env bash
# packaging/acx-listen@.service passes `systemd-analyze verify` (with this build's acx and man pages where the package
# puts its own), and `systemd-analyze security` scores it as hardened. Skipped (77) where systemd is not installed.
source "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed (scripts/setup --test installs systemd)"
mkdir -p "$WORK/units" "$WORK/man/man1" "$WORK/man/man5"
"$ACX" man --directory "$WORK/man/man1" && mv "$WORK/man/man1/acx.toml.5" "$WORK/man/man5/"
ACX=$(realpath "$ACX") # systemd takes an absolute path
unit=$WORK/units/acx-listen@ci.service
sed "s|/usr/bin/acx |$ACX |" "$SRC/packaging/acx-listen@.service" >"$unit"
expect_has "$(grep '^ExecStart=' "$unit")" "$ACX listen" "the unit runs acx listen"

MANPATH=$WORK/man run systemd-analyze verify "$unit"
expect_rc 0 "systemd-analyze verify"
expect_eq "$err" "" "systemd-analyze verify says nothing"

run systemd-analyze security --offline=true --no-pager "$unit"
expect_rc 0 "systemd-analyze security --offline=true"
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
echo "systemd-analyze security: exposure $score (0 is the most protected, 10 the least)" >&2
expect_eq "$(awk -v s="$score" 'BEGIN { print (s != "" && s < 2.0) ? "hardened" : "exposed " s }')" "hardened" \
  "the unit's exposure level stays below 2.0"
for setting in DynamicUser=yes StateDirectory= ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes LoadCredential= \
  Type=notify ExecReload= Restart=on-failure; do
  expect_has "$(cat "$SRC/packaging/acx-listen@.service")" $'\n'"$setting" "the unit sets $setting"
done
finish
