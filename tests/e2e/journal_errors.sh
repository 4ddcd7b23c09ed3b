#!/usr/bin/env bash
# A journal that is corrupt, not a journal, a directory, read-only or full: a clear error at start, or 503 (never a
# 200 for an event that was not stored) while running.
source "$(dirname "$0")/lib.sh"

head -c 8192 /dev/urandom >"$WORK/corrupt.db"
run "$ACX" listen --port 0 --journal "$WORK/corrupt.db"
expect_rc 4 "corrupt journal"
expect_has "$err" "acx: error: journal $WORK/corrupt.db is corrupt or not an SQLite database" "corrupt message"

sqlite3 "$WORK/other.db" "CREATE TABLE invoices (id INTEGER);"
run "$ACX" listen --port 0 --journal "$WORK/other.db"
expect_rc 4 "someone else's database"
expect_has "$err" "is an SQLite database but not an acx journal" "not a journal message"

mkdir "$WORK/dir.db"
run "$ACX" listen --port 0 --journal "$WORK/dir.db"
expect_rc 4 "directory"
expect_has "$err" "journal $WORK/dir.db is a directory" "directory message"

touch "$WORK/file"
run "$ACX" listen --port 0 --journal "$WORK/file/journal.db"
expect_rc 4 "parent is a file"
expect_has "$err" "cannot create the journal's directory $WORK/file" "parent message"

# Read-only and full file systems need a mount of our own: a private mount namespace with tmpfs.
if ! unshare -m true 2>/dev/null; then
  echo "cannot create a mount namespace here: read-only and full-disk cases not run" >&2
  finish
fi

cat >"$WORK/ro.sh" <<SH
set -e
mkdir -p "$WORK/ro"
mount -t tmpfs -o size=1m tmpfs "$WORK/ro"
"$ACX" listen --port 0 --journal "$WORK/ro/journal.db" --count 1 --timeout 1s 2>/dev/null || true
mount -o remount,ro "$WORK/ro"
exec "$ACX" listen --port 0 --journal "$WORK/ro/journal.db"
SH
run unshare -m bash "$WORK/ro.sh"
expect_rc 4 "read-only journal"
expect_has "$err" "journal $WORK/ro/journal.db is read-only" "read-only message"

# Full while running: 503 with Retry-After for every delivery not stored (never a 2xx), said on stderr at most once a
# second and in /healthz and /metrics, reads go on, and the listener takes deliveries again by itself when space
# comes back.
cat >"$WORK/full.sh" <<SH
mkdir -p "$WORK/full"
mount -t tmpfs -o size=2m tmpfs "$WORK/full"
"$ACX" listen --port 0 --ready-file "$WORK/full.ready" --journal "$WORK/full/journal.db" --format json \
  --relay-token relay-token-0123456789 >"$WORK/full.out" 2>"$WORK/full.err" &
pid=\$!
for _ in \$(seq $((400 * SCALE))); do [[ -s "$WORK/full.ready" ]] && break; sleep 0.05; done
port=\$(cut -d: -f2 "$WORK/full.ready")
pad=\$(head -c 20000 /dev/zero | tr '\0' 'x')
post() { # post FIRST LAST PHASE
  for i in \$(seq "\$1" "\$2"); do
    id=\$(printf '00000000-0000-4000-8000-%012d' "\$i")
    body="{\"topicName\":\"job_created\",\"eventDateTime\":\"2026-05-26T14:23:55Z\",\"eventId\":\"\$id\",\"subscriptionId\":\"f30009c1-b6e3-432a-9a0e-6932c9fabdd8\",\"event\":{\"pad\":\"\$pad\"}}"
    code=\$(curl -s -D "$WORK/full.head" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "\$body" "http://127.0.0.1:\$port/webhooks/acculynx")
    echo "\$id \$code \$3" >>"$WORK/full.codes"
    [[ \$code == 503 ]] && cp "$WORK/full.head" "$WORK/full.503head"
  done
}
post 1 5 before
head -c 4m /dev/zero >"$WORK/full/ballast" 2>/dev/null # the file system is full now
date +%s >"$WORK/full.start"
post 6 25 full
date +%s >"$WORK/full.end"
curl -s "http://127.0.0.1:\$port/healthz" >"$WORK/full.health"
curl -s -H "Authorization: Bearer relay-token-0123456789" "http://127.0.0.1:\$port/healthz?verbose" \
  >"$WORK/full.verbose"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:\$port/healthz?verbose" >"$WORK/full.verbose-anon"
curl -s "http://127.0.0.1:\$port/metrics" >"$WORK/full.metrics"
"$ACX" events list --journal "$WORK/full/journal.db" --format json >"$WORK/full.reads" 2>&1
rm "$WORK/full/ballast" # space again: no restart
post 26 30 freed
for _ in \$(seq $((100 * SCALE))); do grep -q "takes deliveries again" "$WORK/full.err" && break; sleep 0.05; done
curl -s "http://127.0.0.1:\$port/healthz" >"$WORK/full.health2"
kill -TERM \$pid; wait \$pid
# What was acknowledged is in the journal: copy it out of the namespace before the mount goes.
cp "$WORK/full/journal.db"* "$WORK/" 2>/dev/null
SH
unshare -m bash "$WORK/full.sh"
codes() { awk -v p="$1" '$3 == p {print $2}' "$WORK/full.codes" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' '; }
expect_eq "$(codes before)" "200x5 " "deliveries before the disk fills are stored"
# A delivery or two may still fit in the WAL's space that a checkpoint freed for reuse (stored, so a 200 is right).
full503=$(awk '$3 == "full" && $2 == 503' "$WORK/full.codes" | wc -l | tr -d ' ')
full200=$(awk '$3 == "full" && $2 == 200' "$WORK/full.codes" | wc -l | tr -d ' ')
expect_eq "$((full503 >= 15 && full503 + full200 == 20))" 1 "a full journal answers 503 ($full503 of 20; $full200 fit)"
expect_has "$(cat "$WORK/full.503head")" "Retry-After: 1" "with Retry-After"
expect_eq "$(cat "$WORK/full.health")" "not ok: the journal cannot store deliveries" "healthz says why, in general terms"
expect_has "$(cat "$WORK/full.verbose")" "journal not writable: database or disk is full" \
  "healthz?verbose with the relay token says the details"
expect_eq "$(cat "$WORK/full.verbose-anon")" 401 "healthz?verbose without it: 401"
expect_has "$(cat "$WORK/full.metrics")" "acx_journal_writable 0" "metrics say it"
expect_has "$(cat "$WORK/full.metrics")" "acx_journal_fault{fault=\"full\"} 1" "metrics say why: the disk is full"
expect_has "$(cat "$WORK/full.metrics")" "acx_deliveries_refused_total{reason=\"unavailable\"} $full503" \
  "metrics count the 503s"
expect_eq "$(wc -l <"$WORK/full.reads" | tr -d ' ')" "$((5 + full200))" "reads go on while the disk is full"
expect_eq "$(codes freed)" "200x5 " "space back: stored again, without a restart"
expect_eq "$(cat "$WORK/full.health2")" "ok" "healthz ok again"
said=$(grep -c "cannot store deliveries\|more deliveries answered 503" "$WORK/full.err")
# One warning, then at most a line a second while 503s go on: bounded by how long that took, however slow the machine.
seconds=$(($(cat "$WORK/full.end") - $(cat "$WORK/full.start")))
expect_eq "$((said >= 1 && said <= seconds + 2))" 1 \
  "the outage said once, then at most a line a second ($said lines in $seconds s), not once per delivery (20)"
expect_has "$(cat "$WORK/full.err")" "cannot store deliveries: cannot write the journal: database or disk is full" \
  "the reason on stderr"
expect_has "$(cat "$WORK/full.err")" "the journal takes deliveries again after" "the recovery on stderr"
# No 200 for an event that was not stored, and every 200 is there.
stored=$(sqlite3 "$WORK/journal.db" "SELECT event_id FROM deliveries WHERE status = 'accepted'" | sort)
acked=$(awk '$2 == 200 {print $1}' "$WORK/full.codes" | sort)
expect_eq "$(comm -13 <(echo "$stored") <(echo "$acked") | wc -l | tr -d ' ')" 0 "every 200 is in the journal"
expect_eq "$(echo "$acked" | wc -l | tr -d ' ')" "$((10 + full200))" "every 200 counted"

# Read-only while running: an ext4 file system that the kernel makes read-only on an error (errors=remount-ro, as
# a failing disk does; a tmpfs cannot be remounted read-only while files are open for writing). 503s, healthz says
# why, reads go on. (A file system the kernel made read-only comes back only when it is mounted again: the
# listener is restarted then.)
if ! command -v mkfs.ext4 >/dev/null; then
  echo "no mkfs.ext4 here: the read-only case not run" >&2
  finish
fi
truncate -s 16M "$WORK/ro.img"
mkfs.ext4 -q -F "$WORK/ro.img"
cat >"$WORK/ro-run.sh" <<SH
mkdir -p "$WORK/ro2"
mount -o loop,errors=remount-ro "$WORK/ro.img" "$WORK/ro2" || exit 77
dev=\$(basename "\$(findmnt -n -o SOURCE "$WORK/ro2")")
"$ACX" listen --port 0 --ready-file "$WORK/ro.ready" --journal "$WORK/ro2/journal.db" --format json \
  >"$WORK/ro.out" 2>"$WORK/ro.err" &
pid=\$!
for _ in \$(seq $((400 * SCALE))); do [[ -s "$WORK/ro.ready" ]] && break; sleep 0.05; done
port=\$(cut -d: -f2 "$WORK/ro.ready")
post() { # post FIRST LAST PHASE
  for i in \$(seq "\$1" "\$2"); do
    id=\$(printf '00000000-0000-4000-8000-%012d' "\$i")
    body="{\"topicName\":\"job_created\",\"eventDateTime\":\"2026-05-26T14:23:55Z\",\"eventId\":\"\$id\",\"subscriptionId\":\"f30009c1-b6e3-432a-9a0e-6932c9fabdd8\",\"event\":{}}"
    code=\$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "\$body" "http://127.0.0.1:\$port/webhooks/acculynx")
    echo "\$id \$code \$3" >>"$WORK/ro.codes"
  done
}
post 1 3 before
echo "acx test" >"/sys/fs/ext4/\$dev/trigger_fs_error"
post 4 8 readonly
curl -s "http://127.0.0.1:\$port/healthz" >"$WORK/ro.health"
"$ACX" events list --journal "$WORK/ro2/journal.db" --format json >"$WORK/ro.reads" 2>&1
kill -TERM \$pid; wait \$pid
cp "$WORK/ro2/journal.db"* "$WORK/ro-copy/" 2>/dev/null
umount "$WORK/ro2" 2>/dev/null
exit 0
SH
mkdir -p "$WORK/ro-copy"
if ! unshare -m bash "$WORK/ro-run.sh"; then
  echo "cannot mount a loop device here: the read-only case not run" >&2
  finish
fi
rcodes() { awk -v p="$1" '$3 == p {print $2}' "$WORK/ro.codes" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' '; }
expect_eq "$(rcodes before)" "200x3 " "stored before the file system turns read-only"
expect_eq "$(rcodes readonly)" "503x5 " "a read-only journal answers 503 to each"
expect_has "$(cat "$WORK/ro.health")" "not ok: the journal cannot store deliveries" "healthz says why"
expect_eq "$(wc -l <"$WORK/ro.reads" | tr -d ' ')" 3 "reads go on while it is read-only"
expect_has "$(cat "$WORK/ro.err")" "cannot store deliveries: cannot write the journal:" "the reason on stderr"

finish
