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

# Full: a 400 KiB file system, filled while running.
cat >"$WORK/full.sh" <<SH
mkdir -p "$WORK/full"
mount -t tmpfs -o size=400k tmpfs "$WORK/full"
"$ACX" listen --port 0 --ready-file "$WORK/full.ready" --journal "$WORK/full/journal.db" --format json \
  >"$WORK/full.out" 2>"$WORK/full.err" &
pid=\$!
for _ in \$(seq $((400 * SCALE))); do [[ -s "$WORK/full.ready" ]] && break; sleep 0.05; done
port=\$(cut -d: -f2 "$WORK/full.ready")
pad=\$(head -c 20000 /dev/zero | tr '\0' 'x')
for i in \$(seq 60); do
  id=\$(printf '00000000-0000-4000-8000-%012d' "\$i")
  body="{\"topicName\":\"job_created\",\"eventDateTime\":\"2026-05-26T14:23:55Z\",\"eventId\":\"\$id\",\"subscriptionId\":\"f30009c1-b6e3-432a-9a0e-6932c9fabdd8\",\"event\":{\"pad\":\"\$pad\"}}"
  code=\$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "\$body" "http://127.0.0.1:\$port/webhooks/acculynx")
  echo "\$id \$code" >>"$WORK/full.codes"
done
curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:\$port/healthz" >"$WORK/full.health"
kill -TERM \$pid; wait \$pid
# What was acknowledged is in the journal: copy it out of the namespace before the mount goes.
cp "$WORK/full/journal.db"* "$WORK/" 2>/dev/null
SH
unshare -m bash "$WORK/full.sh"
codes=$(cut -d' ' -f2 "$WORK/full.codes" | sort | uniq -c | tr -s ' ')
expect_has "$codes" " 200" "some deliveries fit"
expect_has "$codes" " 503" "a full journal answers 503"
expect_eq "$(cat "$WORK/full.health")" 503 "healthz is 503 while the journal cannot be written"
expect_has "$(cat "$WORK/full.err")" "unavailable: cannot write the journal: database or disk is full" "the reason on stderr"
# No 200 for an event that was not stored.
stored=$(sqlite3 "$WORK/journal.db" "SELECT event_id FROM deliveries WHERE status = 'accepted'" | sort)
acked=$(awk '$2 == 200 {print $1}' "$WORK/full.codes" | sort)
expect_eq "$(comm -13 <(echo "$stored") <(echo "$acked") | wc -l | tr -d ' ')" 0 "every 200 is in the journal"

finish
