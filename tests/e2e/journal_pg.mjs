// The journal on PostgreSQL, shared by several listeners, against a real PostgreSQL 15 the test starts itself:
// the same 2,000 deliveries posted to two listeners in a seeded random interleaving are accepted exactly once each;
// kill -9 of a listener under load loses nothing it acknowledged; two listeners forwarding as one consumer, the one
// handing over killed mid-way, deliver every event at least once and each job's in order; PostgreSQL stopped for 10 s
// mid-load (killed): 503s meanwhile, never a 2xx for an event not stored, and the listener takes deliveries again by itself.
// Usage: node journal_pg.mjs path/to/acx
import { execFileSync, spawnSync } from "node:child_process";
import http from "node:http";
import { acx, check, exited, finish, request, scratch, sleep, startAcx, startPostgres, waitFor } from "./lib.mjs";

const dir = scratch("journal-pg");
const pg = await startPostgres(dir);
const template = execFileSync(acx, ["fixtures", "show", "job.milestone.current_changed"]).toString();
const JOB = /"id": "([0-9a-f-]{36})"/.exec(template)[1];
// Delivery n: its own eventId; with `jobs`, of job n % jobs.
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const body = (n, jobs = 0) => {
  let b = template.replace(/"eventId": "[^"]*"/, `"eventId": "${id(n)}"`).replace(/^\{/, `{"n": ${n},`);
  if (jobs) b = b.replaceAll(JOB, `00000000-0000-4000-9000-${String(n % jobs).padStart(12, "0")}`);
  return b;
};
// A seeded generator (mulberry32): the interleaving is the same every run.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const events = (...args) => execFileSync(acx, ["events", ...args, "--journal", pg.uri, "--format", "json"],
  { maxBuffer: 1 << 28 }).toString().trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
const psql = (sql) => execFileSync("psql", ["-Atc", sql, pg.uri], { env: { ...process.env, PGOPTIONS: "-c search_path=acx" } }).toString().trim();
const stats = () => Object.fromEntries(events("stats").filter((c) => c.topic !== undefined)
  .map((c) => [c.status, c.count]));
const RELAY_TOKEN = "relay-token-0123456789"; // /healthz?verbose takes it
const listener = (name, extra = []) => startAcx(dir, name, ["listen", "--port", "0", "--journal", pg.uri,
  "--format", "json", "--relay-token", RELAY_TOKEN, ...extra]);
const verbose = (port) => request(port, { method: "GET", path: "/healthz?verbose",
  headers: { Authorization: `Bearer ${RELAY_TOKEN}` } });
// Posts every job of `jobs` ([port, n]) with `connections` at once; resolves the answers, in the jobs' order.
async function postAll(jobs, connections, jobsPerEvent = 0) {
  const answers = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (next < jobs.length) {
      const i = next++;
      const [port, n] = jobs[i];
      answers[i] = await request(port, { body: body(n, jobsPerEvent), agent });
    }
    agent.destroy();
  }));
  return answers;
}
const statusOf = (a) => (a.status === 200 ? JSON.parse(a.body).status : `http ${a.status}`);

// 1. Exactly once across listeners.
{
  // Started together on an empty database: the schema's migrations are applied once (the second waits for the
  // first's lock, then finds them done).
  const [a, b] = await Promise.all([listener("a"), listener("b")]);
  check(psql("SELECT count(*) FROM acx_migrations") === "5", "the migrations applied once each");
  const next = random(22);
  const jobs = [];
  for (let n = 1; n <= 2000; n++) {
    const first = next() < 0.5;
    jobs.push([first ? a.port : b.port, n], [first ? b.port : a.port, n]);
  }
  for (let i = jobs.length - 1; i > 0; i--) { // shuffled: the two copies of an eventId meet at any distance
    const j = Math.floor(next() * (i + 1));
    [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
  }
  const answers = await postAll(jobs, 16);
  const count = (s) => answers.filter((x) => statusOf(x) === s).length;
  check(count("accepted") === 2000 && count("duplicate") === 2000,
    `2,000 accepted and 2,000 duplicates: ${count("accepted")} and ${count("duplicate")} ` +
    `(others: ${answers.filter((x) => x.status !== 200).map((x) => `${x.status} ${x.body}`).slice(0, 3)})`);
  const s = stats();
  check(s.accepted === 2000 && s.duplicate === 2000, `the journal: ${JSON.stringify(s)}`);
  const listed = events("list", "--limit", "5000").filter((r) => r.status === "accepted");
  check(listed.length === 2000 && new Set(listed.map((r) => r.eventId)).size === 2000,
    `events list sees 2,000 accepted: ${listed.length}`);
  // Each duplicate points at its original (the accepted record of its eventId), as the database has it.
  const pointing = psql("SELECT count(*) FROM deliveries d JOIN deliveries o ON o.seq = d.original AND o.event_id = " +
    "d.event_id AND o.status = 'accepted' WHERE d.status = 'duplicate'");
  check(pointing === "2000", `each duplicate points at its original: ${pointing}`);
  // Retention, as with SQLite: a prefix of the journal goes (by sequence number: up to the first delivery received
  // at the time given); a pruned one is said to be pruned.
  const cut = listed.sort((x, y) => x.seq - y.seq)[1000];
  const pruned = events("prune", "--before", cut.received)[0];
  const left = events("list");
  check(pruned.deliveries > 1000 && pruned.deliveries + left.length === 4000 &&
    left.every((r) => r.seq >= pruned.prunedBelow) && pruned.prunedBelow <= cut.seq,
  `events prune --before: ${JSON.stringify(pruned)}, ${left.length} left`);
  const gone = spawnSync(acx, ["events", "show", String(listed[0].seq), "--journal", pg.uri]);
  check(gone.status !== 0 && /was pruned/.test(gone.stderr), `a pruned delivery: ${gone.stderr}`);
  a.proc.kill("SIGTERM");
  b.proc.kill("SIGTERM");
  check((await exited(a.proc)) === 0 && (await exited(b.proc)) === 0, "both listeners stop cleanly");
}

// 2. kill -9 of one listener while 5,000 deliveries flow: every acknowledged one is stored.
{
  const a = await listener("a");
  const b = await listener("b");
  const jobs = [];
  for (let n = 10001; n <= 15000; n++) jobs.push([n % 2 ? a.port : b.port, n]);
  let acked = 0;
  const watcher = (async () => {
    await waitFor(async () => acked >= 1000 || a.proc.exitCode !== null, 120, "1,000 acknowledgements");
    a.proc.kill("SIGKILL");
  })();
  const answers = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (next < jobs.length) {
      const i = next++;
      answers[i] = await request(jobs[i][0], { body: body(jobs[i][1]), agent });
      if (answers[i].status === 200) acked++;
    }
  }));
  await watcher;
  await exited(a.proc);
  const ackedIds = new Set(jobs.filter((_, i) => answers[i].status === 200).map(([, n]) => id(n)));
  const stored = new Set(events("list", "--limit", "20000").map((r) => r.eventId));
  const lost = [...ackedIds].filter((x) => !stored.has(x));
  const refusedByA = jobs.filter(([port], i) => port === a.port && answers[i].status !== 200).length;
  check(ackedIds.size > 2500 && lost.length === 0 && refusedByA > 0,
    `kill -9 under load: ${ackedIds.size} acknowledged, ${lost.length} of them missing, ${refusedByA} unanswered by ` +
    "the killed listener");
  b.proc.kill("SIGTERM");
  await exited(b.proc);
}

// 3. Two listeners forwarding as one consumer; the one handing over is killed mid-way.
{
  const arrivals = []; // [seq, job, eventId] in arrival order
  let taking13 = false;
  const app = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const e = JSON.parse(Buffer.concat(chunks));
      arrivals.push([Number(req.headers["x-acx-seq"]), e.event.job.id, e.eventId]);
      const refuse = e.eventId === id(20013) && !taking13; // dead at once (a 4xx), until `acx events retry`
      setTimeout(() => res.writeHead(refuse ? 422 : 204).end(), 10);
    });
  });
  await new Promise((resolve) => app.listen(0, "127.0.0.1", resolve));
  const forward = ["--forward-to", `http://127.0.0.1:${app.address().port}/hook`, "--name", "app"];
  const a = await listener("fa", forward);
  const b = await listener("fb", forward);
  const jobs = [];
  for (let n = 20001; n <= 20600; n++) jobs.push([n % 2 ? a.port : b.port, n]);
  const answers = await postAll(jobs, 4, 10);
  check(answers.every((x) => x.status === 200), "600 events posted to the two listeners");
  await waitFor(() => arrivals.length >= 150, 60, "the app to get 150 events");
  // The lease holder said so on stderr (once its work began: under ThreadSanitizer the events can come first).
  const says = (l) => l.stderr().includes("this listener hands its events over now");
  await waitFor(() => says(a) || says(b), 60, "the lease holder to say so");
  const holder = [a, b].find(says);
  check(holder !== undefined, "one listener holds the consumer's lease");
  const other = holder === a ? b : a;
  const standby = await verbose(other.port);
  check(/\nconsumer app: \d+ waiting, another listener hands them over\n/.test(standby.body),
    `the standby's healthz: ${standby.body}`);
  holder.proc.kill("SIGKILL");
  await exited(holder.proc);
  const want = new Set(jobs.map(([, n]) => id(n)));
  await waitFor(() => new Set(arrivals.map(([, , e]) => e)).size >= want.size, 60, "every event at the app");
  const got = new Set(arrivals.map(([, , e]) => e));
  check([...want].every((e) => got.has(e)), `every event delivered at least once: ${got.size} of ${want.size}`);
  const byJob = new Map();
  for (const [seq, job] of arrivals) byJob.set(job, [...(byJob.get(job) ?? []), seq]);
  const broken = [...byJob.values()].filter((seqs) => seqs.some((s, i) => i > 0 && s < seqs[i - 1]));
  check(byJob.size === 10 && broken.length === 0, `each job's events in order: ${broken.length} of ${byJob.size} ` +
    `jobs out of order ${JSON.stringify(broken[0]?.slice(0, 20))}`);
  const repeats = arrivals.length - got.size;
  check(repeats <= 16, `repeats bounded by what was in flight: ${repeats}`);
  check(other.stderr().includes("this listener hands its events over now"), "the other listener took over");
  let survivor = "";
  await waitFor(async () => /\nconsumer app: 0 waiting, this listener hands them over\n/.test(
    survivor = (await verbose(other.port)).body), 30,
  `the survivor's healthz to say nothing waits: ${survivor}`);
  // Dead letters and acx events retry, as with SQLite: the one event the app refused, queued again, is taken.
  const dead = events("list", "--consumer", "app", "--state", "dead");
  check(dead.length === 1 && dead[0].eventId === id(20013), `the dead letter: ${JSON.stringify(dead.map((d) => d.eventId))}`);
  taking13 = true;
  const before13 = arrivals.filter(([, , e]) => e === id(20013)).length;
  execFileSync(acx, ["events", "retry", "--consumer", "app", "--id", id(20013), "--journal", pg.uri]);
  await waitFor(() => arrivals.filter(([, , e]) => e === id(20013)).length > before13, 30, "the retried event");
  await waitFor(() => events("list", "--consumer", "app", "--state", "dead").length === 0, 30,
    "no dead letter left");
  const lag = events("stats").find((l) => l.consumer === "app");
  check(lag?.waiting === 0 && /:\d+:/.test(lag?.holder), `events stats: the consumer's lag and holder ${JSON.stringify(lag)}`);
  other.proc.kill("SIGTERM");
  await exited(other.proc);
  app.close();
}

// 4. PostgreSQL stopped for 10 s mid-load.
{
  const l = await listener("outage");
  const answers = []; // [n, status]
  let n = 30000;
  let running = true;
  const sender = (async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (running) {
      const k = ++n;
      const r = await request(l.port, { body: body(k), agent, timeoutMs: 20000 });
      answers.push([k, r.status]);
      if (r.status !== 200) await sleep(50); // as a sender would, after a 503
    }
  })();
  await waitFor(() => answers.length >= 200, 30, "deliveries before the outage");
  await pg.crash(); // killed, not shut down: libpq's own words for it are long
  const stoppedAt = answers.length;
  await sleep(3000); // the outage itself: ten seconds without the database
  const down = await verbose(l.port);
  const general = await request(l.port, { method: "GET", path: "/healthz" });
  check(general.status === 503 && general.body === "not ok: the journal cannot store deliveries\n",
    `healthz without the token says it in general terms: ${general.body}`);
  check(down.status === 503 && /the database is unreachable/.test(down.body), `healthz in the outage: ${down.status} ` +
    down.body);
  const faults = (await request(l.port, { method: "GET", path: "/metrics" })).body;
  check(/acx_journal_fault\{fault="unreachable"\} 1/.test(faults), `metrics say why: unreachable: ${faults.slice(0, 300)}`);
  await sleep(7000);
  const during = answers.slice(stoppedAt);
  await pg.start();
  const restartedAt = answers.length;
  await waitFor(() => answers.slice(restartedAt).filter(([, s]) => s === 200).length >= 100, 60,
    "deliveries accepted again after the outage");
  running = false;
  await sender;
  check(during.length > 0 && during.every(([, s]) => s === 503),
    `during the outage every delivery answered 503: ${JSON.stringify([...new Set(during.map(([, s]) => s))])} ` +
    `(${during.length})`);
  const stored = new Set(events("list", "--limit", "100000").map((r) => r.eventId));
  const lost = answers.filter(([k, s]) => s === 200 && !stored.has(id(k)));
  check(lost.length === 0, `no 2xx for an event not stored: ${lost.length} missing`);
  const health = await verbose(l.port);
  check(health.status === 200 && /^ok\njournal postgresql:\/\/acx@127.0.0.1:\d+\/postgres \(PostgreSQL 15\.\d+\): newest #\d+\n$/.test(health.body), `healthz after recovery: ${health.body}`);
  await waitFor(() => /takes deliveries again/.test(l.stderr()), 10, "stderr to tell the recovery");
  check(/the database is unreachable \(PostgreSQL closed the connection/.test(l.stderr()),
    `stderr tells the outage in plain words: ${l.stderr().slice(-600)}`);
  check(!/pipeline|uncollected|This probably means|Is the server running/.test(l.stderr()),
    `no libpq hints nor pipeline states on stderr: ${l.stderr().slice(-600)}`);
  l.proc.kill("SIGTERM");
  check((await exited(l.proc)) === 0, "the listener ran through the outage without a restart");
}

// 5. A journal from before acx kept its tables in a schema of their own (schema 1, in public, times and headers as
// text) is migrated in place: moved into `acx`, times timestamptz, headers jsonb, every record read back the same.
// ?schema= picks another schema; a name that is not plain is a usage error.
{
  psql("CREATE DATABASE old");
  const old = pg.uri.replace(/\/postgres(\?|$)/, "/old$1");
  const sql = (q) => execFileSync("psql", ["-Atc", q, old]).toString().trim();
  sql(`CREATE TABLE acx_migrations (number integer PRIMARY KEY, what text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO acx_migrations(number, what) VALUES (1, 'the journal, the outbox and their indexes');
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE deliveries (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, received text NOT NULL, remote text NOT NULL,
  headers text NOT NULL, body bytea NOT NULL, status text NOT NULL, reason text NOT NULL, detail text NOT NULL,
  topic text NOT NULL, event_id text NOT NULL, subscription_id text NOT NULL, event_time text NOT NULL,
  original bigint NOT NULL DEFAULT 0, subject text NOT NULL DEFAULT '', gist text NOT NULL DEFAULT '', path text NOT NULL DEFAULT '');
CREATE UNIQUE INDEX deliveries_accepted_event_id ON deliveries(event_id) WHERE status = 'accepted';
CREATE INDEX deliveries_received ON deliveries(received);
CREATE TABLE refused (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, received text NOT NULL, remote text NOT NULL,
  headers text NOT NULL, body bytea NOT NULL, status text NOT NULL, reason text NOT NULL, detail text NOT NULL,
  topic text NOT NULL, event_id text NOT NULL, subscription_id text NOT NULL, event_time text NOT NULL,
  subject text NOT NULL DEFAULT '', gist text NOT NULL DEFAULT '', path text NOT NULL DEFAULT '',
  body_bytes bigint NOT NULL DEFAULT 0, body_sha256 text NOT NULL DEFAULT '');
CREATE TABLE consumers (name text PRIMARY KEY, target text NOT NULL, topics text NOT NULL, watermark bigint NOT NULL,
  holder text NOT NULL DEFAULT '', lease_until timestamptz);
CREATE TABLE consumer_marks (consumer text NOT NULL, seq bigint NOT NULL, state text NOT NULL, PRIMARY KEY (consumer, seq));
CREATE TABLE consumer_attempts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, consumer text NOT NULL,
  seq bigint NOT NULL, attempt integer NOT NULL, at text NOT NULL, status integer NOT NULL, ms bigint NOT NULL,
  answer text NOT NULL, state text NOT NULL);
INSERT INTO meta(key, value) VALUES ('schema', 'acx-journal-1');
INSERT INTO deliveries(received, remote, headers, body, status, reason, detail, topic, event_id, subscription_id, event_time)
  VALUES ('2026-01-02T03:04:05.1234560Z', '127.0.0.1', '[["Content-Type","application/json"],["X-Caf\u00e9","cr\u00e8me"]]',
  convert_to('{"event":{"topic":"job.created"}}', 'UTF8'), 'accepted', '', '', 'job.created', 'old-1', 'sub', '2026-01-02T03:04:05Z');
INSERT INTO consumer_attempts(consumer, seq, attempt, at, status, ms, answer, state)
  VALUES ('app', 1, 1, '2026-01-02T03:04:06.0000000Z', 200, 3, 'ok', 'delivered');`);
  const read = execFileSync(acx, ["events", "list", "--journal", old, "--format", "json"]).toString().trim();
  const r = JSON.parse(read);
  check(r.seq === 1 && r.received === "2026-01-02T03:04:05.1234560Z" && r.eventId === "old-1",
    `the old delivery read back after the migration: ${read}`);
  check(JSON.stringify(r.headers) === '[["Content-Type","application/json"],["X-Café","crème"]]',
    `its headers, from jsonb, in order: ${JSON.stringify(r.headers)}`);
  check(sql("SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_name IN ('deliveries', 'acx_migrations')") === "acx.acx_migrations,acx.deliveries",
    "the tables moved into schema acx");
  check(sql("SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'acx' AND column_name IN ('received', 'headers', 'at')") ===
    "consumer_attempts.at timestamp with time zone,deliveries.headers jsonb,deliveries.received timestamp with time zone,refused.headers jsonb,refused.received timestamp with time zone",
    "times are timestamptz, headers jsonb");
  check(sql("SELECT max(number) FROM acx.acx_migrations") === "5", "migration 5 recorded");
  const attempts = execFileSync(acx, ["events", "show", "1", "--journal", old, "--format", "json"]).toString();
  check(attempts.includes("2026-01-02T03:04:06"), `the attempt's time read back: ${attempts.slice(0, 300)}`);
  // Another schema, by URI parameter, beside it.
  const teamB = `${old}${old.includes("?") ? "&" : "?"}schema=team_b`;
  const sent = spawnSync(acx, ["events", "stats", "--journal", teamB]);
  check(sent.status === 0, `a journal in schema team_b: ${sent.stderr}`);
  check(sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'team_b' AND table_name = 'deliveries'") === "1",
    "?schema=team_b made its own tables");
  const bad = spawnSync(acx, ["events", "stats", "--journal", `${old}${old.includes("?") ? "&" : "?"}schema=Bad-Name`]);
  check(bad.status === 2 && /schema 'Bad-Name' is not a plain name/.test(bad.stderr.toString()),
    `a schema name that is not plain: exit ${bad.status}, ${bad.stderr}`);
}

finish();
