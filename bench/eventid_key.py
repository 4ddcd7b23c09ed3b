# Micro-benchmark for the journal's eventId index: random GUIDs as 36-character text (as acx stores them) against
# 16-byte blobs, in a unique partial index like the journal's, inserted in groups of 32 per transaction (WAL, NORMAL)
# beside a 550-byte body. Prints inserts/s and the size on disk. Not a test: figures only.
# Usage: python3 bench/eventid_key.py
import sqlite3, uuid, time, os, random
random.seed(19)
def run(kind, n=300000, group=32):
    path = f"/tmp/acx-eventid-key-{kind}.db"
    for suf in ("", "-wal", "-shm"):
        try: os.remove(path + suf)
        except FileNotFoundError: pass
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
    col = "k BLOB" if kind == "blob16" else "k TEXT"
    db.execute(f"CREATE TABLE t(seq INTEGER PRIMARY KEY, body BLOB, {col}, status TEXT)")
    db.execute("CREATE UNIQUE INDEX tk ON t(k) WHERE status = 'accepted'")
    body = b"x" * 550
    rnd = random.Random(19)
    start = time.perf_counter()
    for g in range(n // group):
        db.execute("BEGIN IMMEDIATE")
        for i in range(group):
            u = uuid.UUID(int=rnd.getrandbits(128))
            key = u.bytes if kind == "blob16" else str(u)
            db.execute("INSERT OR IGNORE INTO t(body, k, status) VALUES (?, ?, 'accepted')", (body, key))
        db.execute("COMMIT")
    secs = time.perf_counter() - start
    size = os.path.getsize(path) + os.path.getsize(path + "-wal")
    db.close()
    for suf in ("", "-wal", "-shm"):
        if os.path.exists(path + suf):
            os.remove(path + suf)
    print(f"{kind}: {n/secs:.0f} inserts/s, file+wal {size/1e6:.1f} MB")
for r in range(2):
    run("text36"); run("blob16")
