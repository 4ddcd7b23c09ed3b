#!/usr/bin/env bash
# Files and directories acx writes: created private (0700 directories, 0600 files) whatever the umask, never through
# a symbolic link or into a file left in the way, and directories that already exist are left as they are.
source "$(dirname "$0")/lib.sh"
unset ACX_API_KEY ACX_API_BASE
mode() { stat -c %a "$1"; }

# A sandbox to subscribe against, its data directory an existing 0755 one.
mkdir -m 0755 "$WORK/data"
bg "$ACX" sandbox --port 0 --data-dir "$WORK/data" --api-key k1 --ready-file "$WORK/sbx.ready" >/dev/null 2>"$WORK/sbx.err"
SPID=$BGPID
ERRFILE=$WORK/sbx.err wait_ready "$WORK/sbx.ready" "$SPID" sandbox || finish
API=http://$(cat "$WORK/sbx.ready")/webhooks/v2
expect_eq "$(mode "$WORK/data")" 755 "an existing --data-dir keeps its mode"
expect_eq "$(mode "$WORK/data/sandbox.db")" 600 "sandbox.db is 0600"
expect_eq "$(mode "$WORK/sbx.ready")" 600 "the ready file is 0600"

subscribe() {
  run "$ACX" subscribe --url http://127.0.0.1:9/hooks --topic job_created --contact a@b.c --api-base "$API" \
    --api-key k1 --config "$1"
}

# The config's directory exists (0755): kept. A symlink where a temporary might go, and a stale 0644 .tmp: neither
# is written through, and the config ends up 0600.
mkdir -m 0755 "$WORK/conf"
printf 'victim\n' >"$WORK/victim"
chmod 0644 "$WORK/victim"
ln -s "$WORK/victim" "$WORK/conf/config.toml.tmp"
printf 'stale\n' >"$WORK/conf/config.toml.old.tmp"
subscribe "$WORK/conf/config.toml"
expect_rc 0 "subscribe with a symlink beside the config"
expect_eq "$(cat "$WORK/victim")" victim "a symlinked temporary's target is not written"
expect_eq "$(mode "$WORK/victim")" 644 "a symlinked temporary's target keeps its mode"
expect_eq "$(mode "$WORK/conf/config.toml")" 600 "config.toml is 0600"
expect_eq "$(mode "$WORK/conf")" 755 "the config's existing directory keeps its mode"
# The config itself a symlink to a (TOML) victim: read through, but replaced by a private file, the victim untouched.
printf '# victim\n' >"$WORK/victim.toml"
chmod 0644 "$WORK/victim.toml"
ln -s "$WORK/victim.toml" "$WORK/conf/linked.toml"
subscribe "$WORK/conf/linked.toml"
expect_rc 0 "subscribe to a config that is a symlink"
expect_eq "$(cat "$WORK/victim.toml")" "# victim" "a symlinked config's target is not written"
expect_eq "$(mode "$WORK/conf/linked.toml")" 600 "the config that replaced the link is 0600"
expect_eq "$(find "$WORK/conf" -name '*.toml.??????' | wc -l)" 0 "no temporary left behind"

# The journal's lock file as a symlink to the victim: refused, the victim untouched.
mkdir "$WORK/j"
ln -s "$WORK/victim" "$WORK/j/journal.db.lock"
run "$ACX" listen --port 0 --journal "$WORK/j/journal.db" --count 1 --timeout 1s
expect_rc 4 "a symlinked lock file"
expect_has "$err" "journal.db.lock: it is a symbolic link" "the lock file's link is named"
expect_eq "$(cat "$WORK/victim")" victim "a symlinked lock file's target is not truncated"

# A symlink where the ready file goes: replaced, not followed.
ln -s "$WORK/victim" "$WORK/linked.ready"
JOURNAL=$WORK/j2.db start_listener
bg "$ACX" listen --port 0 --journal "$WORK/j3.db" --ready-file "$WORK/linked.ready" >/dev/null 2>&1
wait_until 10 "the listener's ready file to replace the link" test ! -L "$WORK/linked.ready"
expect_eq "$(cat "$WORK/victim")" victim "a symlinked ready file's target is not written"
stop_process "$BGPID" listener
stop_listener

# Under umask 000 every level acx creates is 0700 and every file 0600.
(
  umask 000
  "$ACX" listen --port 0 --journal "$WORK/u/a/b/journal.db" --ready-file "$WORK/u/r/ready" --count 1 \
    --timeout 1s >/dev/null 2>&1
  "$ACX" sandbox --port 0 --data-dir "$WORK/u/s/t" --api-key k --ready-file "$WORK/u/s/ready" >/dev/null 2>&1 &
  pid=$!
  for ((i = 0; i < 400 * SCALE; i++)); do [[ -s $WORK/u/s/ready ]] && break; sleep 0.05; done
  kill "$pid"
  wait "$pid"
)
for d in u u/a u/a/b u/r u/s u/s/t; do
  expect_eq "$(mode "$WORK/$d")" 700 "under umask 000, $d is 0700"
done
for f in u/a/b/journal.db u/a/b/journal.db.lock u/r/ready u/s/t/sandbox.db u/s/ready; do
  expect_eq "$(mode "$WORK/$f")" 600 "under umask 000, $f is 0600"
done

stop_process "$SPID" sandbox
finish
