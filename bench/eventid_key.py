# Micro-benchmark for the journal's eventId index: random GUIDs as 36-character text (as acx stores them) against
# 16-byte blobs, and against a key led by the event's time ((eventDateTime, eventId), which AccuLynx's retries repeat:
# new keys land at the right edge of the index instead of on a random leaf), each in a unique partial index like the
# journal's, inserted in groups of 32 per transaction (WAL, NORMAL) beside a 550-byte body. Prints inserts/s, the size
# on disk and the bytes written per insert (the WAL's pages and the checkpoints'). Not a test: figures only.
# Usage: python3 bench/eventid_key.py
import sqlite3, uuid, time, os, random
from datetime import datetime, timedelta, timezone

def written():
    with open("/proc/self/io") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("wchar"))

def run(kind, n=300000, group=32):
    path = f"/tmp/acx-eventid-key-{kind}.db"
    for suf in ("", "-wal", "-shm"):
        try: os.remove(path + suf)
        except FileNotFoundError: pass
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
    col = "k BLOB" if kind == "blob16" else "k TEXT"
    db.execute(f"CREATE TABLE t(seq INTEGER PRIMARY KEY, body BLOB, {col}, event_time TEXT, status TEXT)")
    keyed = "event_time, k" if kind == "time+text36" else "k"
    db.execute(f"CREATE UNIQUE INDEX tk ON t({keyed}) WHERE status = 'accepted'")
    body = b"x" * 550
    rnd = random.Random(19)
    t0 = datetime(2026, 11, 30, tzinfo=timezone.utc)
    w0 = written()
    start = time.perf_counter()
    for g in range(n // group):
        db.execute("BEGIN IMMEDIATE")
        for i in range(group):
            u = uuid.UUID(int=rnd.getrandbits(128))
            key = u.bytes if kind == "blob16" else str(u)
            # Events arrive about in the order of their time, a few seconds out of it at most.
            at = t0 + timedelta(milliseconds=(g * group + i) * 0.5 - rnd.uniform(0, 3000))
            db.execute("INSERT OR IGNORE INTO t(body, k, event_time, status) VALUES (?, ?, ?, 'accepted')",
                       (body, key, at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
        db.execute("COMMIT")
    secs = time.perf_counter() - start
    per_insert = (written() - w0) / n
    size = os.path.getsize(path) + os.path.getsize(path + "-wal")
    db.close()
    for suf in ("", "-wal", "-shm"):
        if os.path.exists(path + suf):
            os.remove(path + suf)
    print(f"{kind}: {n/secs:.0f} inserts/s, file+wal {size/1e6:.1f} MB, {per_insert/1024:.1f} KB written per insert")

for r in range(2):
    run("text36"); run("blob16"); run("time+text36")
