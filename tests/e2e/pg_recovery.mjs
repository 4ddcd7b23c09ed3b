// One SQL error never stops the PostgreSQL journal: against a real PostgreSQL 15 the test starts, the listener's
// writer meets each cause of a failed group (the insert privilege revoked, then granted again; an index key too large
// for its btree; a statement timeout behind a held lock; the server restarted) and takes the next delivery by itself,
// with PostgreSQL's own message said on stderr, never libpq's pipeline trouble, and /healthz ok again.
// Usage: node pg_recovery.mjs path/to/acx
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { SCALE, acx, check, exited, finish, request, scratch, startAcx, startPostgres, waitFor } from "./lib.mjs";

const dir = scratch("pg-recovery");
const pg = await startPostgres(dir);
const psql = (sql, uri = pg.uri) => execFileSync("psql", ["-Atc", sql, uri], { env: { ...process.env, PGOPTIONS: "-c search_path=acx" } }).toString().trim();
// A role that is not a superuser, so that privileges apply to it.
// A role with no right to create schemas: an administrator made its schema for it.
psql("CREATE ROLE app LOGIN; CREATE SCHEMA acx AUTHORIZATION app");
const uri = pg.uri.replace("acx@", "app@");
const template = execFileSync(acx, ["fixtures", "show", "job.milestone.current_changed"]).toString();
let n = 0;
const body = (extra = "") => template.replace(/"eventId": "[^"]*"/,
  `"eventId": "00000000-0000-4000-8000-${String(++n).padStart(12, "0")}"`).replace(/^\{/, `{${extra}`);
const health = async (port) => (await request(port, { method: "GET", path: "/healthz" })).status;
const PIPELINE_TROUBLE = /pipeline|uncollected/;

// The listener, with a statement timeout of 5 s (times ACX_TEST_SCALE) for every statement it runs (libpq's options
// in the URI): far above an ordinary statement's time on a busy machine, well below the held lock's.
const l = await startAcx(dir, "listener", ["listen", "--port", "0", "--format", "json", "--journal",
  `${uri}?options=-c%20statement_timeout%3D${5000 * SCALE}`]);
let taken = 0; // deliveries answered 200
const post = async (extra) => {
  const r = await request(l.port, { body: body(extra), timeoutMs: 20000 });
  taken += r.status === 200 ? 1 : 0;
  return r;
};
check((await post()).status === 200, "a delivery before any trouble");

// 1. The insert privilege revoked: 503 with PostgreSQL's reason; granted again: taken, healthz ok.
{
  psql("REVOKE INSERT ON deliveries FROM app", pg.uri);
  const refused = await post();
  check(refused.status === 503, `a delivery while INSERT is revoked: ${refused.status} ${refused.body}`);
  check((await health(l.port)) === 503, "healthz while the journal cannot write");
  const faults = (await request(l.port, { method: "GET", path: "/metrics" })).body;
  check(/acx_journal_fault\{fault="other"\} 1/.test(faults), "metrics: a revoked privilege is a fault of its own kind");
  psql("GRANT INSERT ON deliveries TO app", pg.uri);
  const again = await post();
  check(again.status === 200, `the next delivery after GRANT: ${again.status} ${again.body}`);
  check((await health(l.port)) === 200, "healthz ok after GRANT");
  await waitFor(() => /takes deliveries again/.test(l.stderr()), 10, "stderr to tell the recovery");
  check(/permission denied for table deliveries/.test(l.stderr()), `stderr has PostgreSQL's message: ${l.stderr()}`);
}

// 2. An index key too large for a btree (an operator's index over the body): that delivery fails, the next is taken.
{
  psql("CREATE INDEX operator_body ON deliveries ((encode(body, 'hex')))", pg.uri);
  let noise = "";
  for (let i = 0; i < 3000; i++) noise += ((i * 7919) % 65536).toString(36); // does not compress below the limit
  const big = await post(`"noise": "${noise}",`);
  check(big.status === 503, `a delivery whose index key is too large: ${big.status} ${big.body}`);
  psql("DROP INDEX operator_body", pg.uri);
  const next = await post();
  check(next.status === 200, `the next delivery: ${next.status} ${next.body}`);
  check(/index row requires \d+ bytes/.test(l.stderr()), `stderr says the key was too large: ${l.stderr()}`);
}

// 3. A statement timeout: another session holds the journal's commit lock longer than the timeout.
{
  const holder = spawn("psql", ["-Atq", pg.uri], { stdio: ["pipe", "ignore", "ignore"] });
  holder.stdin.write("SELECT pg_advisory_lock(1633908785);\nSELECT pg_sleep(600);\n"); // k_commit_lock, "acx1"
  await waitFor(() => psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") === "1", 30,
    "the other session to hold the lock");
  const timedOut = await post();
  check(timedOut.status === 503, `a delivery behind the held lock: ${timedOut.status} ${timedOut.body}`);
  psql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'");
  holder.kill("SIGKILL");
  await exited(holder);
  await waitFor(() => psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") === "0", 30,
    "the lock to go with its session");
  const next = await post();
  check(next.status === 200, `the next delivery after the lock went: ${next.status} ${next.body}`);
  check(/statement timeout/.test(l.stderr()), "stderr says the statement timed out");
}

// 4. The server restarted.
{
  await pg.stop();
  check((await post()).status === 503, "a delivery while the server is down");
  await pg.start();
  let status = 0;
  await waitFor(async () => (status = (await post()).status) === 200, 60, "a delivery taken after the restart");
  check(status === 200 && (await health(l.port)) === 200, "taken again after the restart, healthz ok");
}

check(!PIPELINE_TROUBLE.test(l.stderr()), `stderr never shows libpq's pipeline trouble: ${l.stderr()}`);
const stored = Number(psql("SELECT count(*) FROM deliveries WHERE status = 'accepted'"));
check(stored === taken && taken >= 5 && taken < n, `every delivery answered 200 is stored, no other: ${stored} stored, ` +
  `${taken} taken of ${n}`);
l.proc.kill("SIGTERM");
check((await exited(l.proc)) === 0, "the listener ran through every failure without a restart");

// 5. A password with '?' and '#' in it, which libpq takes as they are: on no surface in clear. (An '@' libpq takes
// only percent-encoded: given raw, the error that follows hides it too.)
{
  const PASSWORD = "pa?ss#w-SECRET";
  psql(`ALTER ROLE app PASSWORD '${PASSWORD}'`);
  const secretUri = uri.replace("app@", `app:${PASSWORD}@`);
  const RELAY = "relay-token-0123456789";
  const s = await startAcx(dir, "secret", ["listen", "--port", "0", "--journal", secretUri, "--relay-token", RELAY]);
  const verbose = await request(s.port, { method: "GET", path: "/healthz?verbose",
    headers: { Authorization: `Bearer ${RELAY}` } });
  const metrics = await request(s.port, { method: "GET", path: "/metrics" });
  const stats = execFileSync(acx, ["events", "stats", "--journal", secretUri]).toString();
  const missing = spawnSync(acx, ["events", "stats", "--journal", secretUri.replace("/postgres", "/nosuchdb")]);
  const at = spawnSync(acx, ["events", "stats", "--journal", uri.replace("app@", "app:pa?ss@w-SECRET@")]);
  s.proc.kill("SIGTERM");
  await exited(s.proc);
  const surfaces = { "the start line": s.stderr(), "healthz?verbose": verbose.body, "/metrics": metrics.body,
    "events stats": stats, "an error": missing.stderr.toString(), "libpq's error": at.stderr.toString() };
  for (const [where, text] of Object.entries(surfaces)) {
    check(text.length > 0 && !text.includes("SECRET") && !text.includes("pa?ss"), `${where} hides the password: ${text}`);
  }
  check(/app:\*\*\*@127\.0\.0\.1/.test(s.stderr()), `the start line says where the password was: ${s.stderr()}`);
  check(/nosuchdb/.test(missing.stderr.toString()) && missing.status !== 0, "the error names the database");
}
finish();
