// The relay: a listener serving GET /relay, laptops pulling it with acx listen --upstream. Deliveries posted to the
// relay while laptops come and go (kill -9 included, of the relay too) end up in each laptop's journal all, once, byte
// for byte, in the relay's order; tokens are kept apart; a gap is reported with its size; a quiet stream survives a
// proxy that closes idle connections; forwarding from a laptop keeps the job's order; a relay over TLS.
// Usage: node relay.mjs path/to/acx
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import http from "node:http";
import net from "node:net";
import { SCALE, acx, check, exited, finish, quietPort, request, scratch, startAcx, startListener, waitFor } from "./lib.mjs";

const dir = scratch("relay");
const TOKEN = "delivery-token-1";
const RELAY_TOKEN = "relay-token-0123456789";
const q = (db, sql) => execFileSync("sqlite3", [db, sql], { maxBuffer: 1 << 28 }).toString().trim();
const template = execFileSync(acx, ["fixtures", "show", "job.milestone.current_changed"]).toString();
// The n-th delivery: its own eventId and body (n in the note, so bodies differ).
const body = (n) => template.replace(/"eventId": "[^"]*"/, `"eventId": "00000000-0000-4000-8000-${String(n).padStart(12, "0")}"`)
  .replace(/^\{/, `{"n": ${n},`);

// The relay, on a port that stays its own across a restart (the laptops' --upstream names it).
const relayPort = await quietPort();
const relayDb = join(dir, "relay.db");
const startRelay = () => startAcx(dir, "relay", ["listen", "--port", String(relayPort), "--journal", relayDb,
  "--format", "json", "--secret", TOKEN, "--relay-token", RELAY_TOKEN]);
const upstream = (port = relayPort) => ["--upstream", `http://127.0.0.1:${port}`, "--relay-token", RELAY_TOKEN];
const startLaptop = (name, extra = []) => startListener(dir, name, [...upstream(), ...extra]);
// Posts delivery n until the relay stores it (it may be restarting).
async function post(n) {
  for (;;) {
    const r = await request(relayPort, { path: `/webhooks/acculynx?token=${TOKEN}`, body: body(n) });
    if (r.status === 200) return;
    await waitFor(async () => (await request(relayPort, { method: "GET", path: "/healthz" })).status === 200, 30,
      "the relay to answer again");
  }
}
const accepted = (db) => Number(q(db, "SELECT count(*) FROM deliveries WHERE status = 'accepted'"));

// An app the second laptop forwards to: the order it gets the job's events in.
const forwarded = [];
const app = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => { forwarded.push(JSON.parse(Buffer.concat(chunks)).n); res.writeHead(204).end(); });
});
await new Promise((resolve) => app.listen(0, "127.0.0.1", resolve));

let relay = await startRelay();
let laptopA = await startLaptop("laptopA");
const laptopB = await startLaptop("laptopB", ["--forward-to", `http://127.0.0.1:${app.address().port}/hook`]);
for (let n = 1; n <= 300; n++) {
  if (n === 101) { // laptop A dies mid-stream...
    laptopA.proc.kill("SIGKILL");
    await exited(laptopA.proc);
  }
  if (n === 201) laptopA = await startLaptop("laptopA"); // ...and comes back on its journal, from its cursor
  if (n === 251) { // the relay dies and comes back on its journal
    relay.proc.kill("SIGKILL");
    await exited(relay.proc);
    relay = await startRelay();
  }
  await post(n);
}
const laptopDb = (name) => join(dir, `${name}.db`);
await waitFor(() => accepted(laptopDb("laptopA")) >= 300 && accepted(laptopDb("laptopB")) >= 300, 60,
  "both laptops to have the 300 deliveries");
// All, once, byte for byte, in the relay's order.
const rows = (db) => q(db, "SELECT event_id || ' ' || hex(body) FROM deliveries WHERE status = 'accepted' ORDER BY seq");
const relayRows = rows(relayDb);
check(accepted(relayDb) === 300, `the relay accepted ${accepted(relayDb)} of 300`);
for (const name of ["laptopA", "laptopB"]) {
  const db = laptopDb(name);
  check(Number(q(db, "SELECT count(*) FROM deliveries")) === 300,
    `${name}: ${q(db, "SELECT count(*) FROM deliveries")} rows for 300 deliveries (a delivery stored twice?)`);
  check(rows(db) === relayRows, `${name}: its deliveries differ from the relay's (bodies, order or set)`);
  check(q(db, "SELECT value FROM meta WHERE key LIKE 'upstream %'") === q(relayDb, "SELECT max(seq) FROM deliveries"),
    `${name}: its cursor is not the relay's last sequence number`);
}
check(/caught up/.test(laptopA.stderr()), `laptop A never said it caught up: ${laptopA.stderr()}`);
// The laptop forwards what it pulled, in the job's order (one job: one ordering key).
await waitFor(() => forwarded.length >= 300, 60, "laptop B to forward the 300 deliveries");
check(forwarded.every((n, i) => n === i + 1), `laptop B forwarded out of order: ${forwarded.slice(0, 20).join(",")}...`);
// /metrics: connected, no lag.
const metrics = (await request(laptopB.port, { method: "GET", path: "/metrics" })).body;
check(/acx_upstream_connected 1/.test(metrics) && /acx_upstream_lag_events 0/.test(metrics),
  `laptop B's /metrics: ${metrics.split("\n").filter((l) => l.startsWith("acx_upstream")).join("; ")}`);

// More than the relay keeps formatted (4,096): a live laptop fills that cache with the newest while a new one catches
// up from the oldest (an eviction once freed the event a catching-up client was being given).
execFileSync(acx, ["send", "job_created", "--to", `http://127.0.0.1:${relayPort}/webhooks/acculynx`, "--secret", TOKEN,
  "-n", "4500", "-c", "8"], { stdio: "ignore" });
await waitFor(() => accepted(laptopDb("laptopB")) >= 4800, 60, "laptop B to have the 4,500 more");
const laptopC = await startLaptop("laptopC");
await waitFor(() => accepted(laptopDb("laptopC")) >= 4800, 60, "laptop C to catch up the 4,800");
check(rows(laptopDb("laptopC")) === rows(relayDb), "laptop C, caught up from the oldest, differs from the relay");
laptopC.proc.kill("SIGTERM");
await exited(laptopC.proc);

// Tokens kept apart: the delivery token never opens /relay; the relay token never posts a delivery; a wrong relay
// token makes a laptop exit non-zero, naming the token.
const asBearer = (t) => request(relayPort, { method: "GET", path: "/relay", headers: { Authorization: `Bearer ${t}` } });
check((await asBearer(TOKEN)).status === 401, "the delivery token opened /relay");
check((await request(relayPort, { method: "GET", path: `/relay?token=${RELAY_TOKEN}` })).status === 401,
  "the relay token in the URL opened /relay");
check((await request(relayPort, { path: `/webhooks/acculynx?token=${RELAY_TOKEN}`, body: body(999) })).status === 401,
  "the relay token posted a delivery");
const wrong = spawnSync(acx, ["listen", "--port", "0", "--journal", join(dir, "wrong.db"), "--upstream",
  `http://127.0.0.1:${relayPort}`, "--relay-token", "not-the-relay-token"], { timeout: 30000 * SCALE });
check(wrong.status === 2 && /refused the relay token \(401\)/.test(wrong.stderr),
  `a wrong relay token: exit ${wrong.status}, ${wrong.stderr}`);
for (const L of [laptopA, laptopB, relay]) L.proc.kill("SIGTERM");
await Promise.all([laptopA, laptopB, relay].map((L) => exited(L.proc)));

// A gap: a laptop whose cursor is behind what the relay's retention kept is told how many it lost.
{
  const db = join(dir, "small.db");
  const small = await startAcx(dir, "small", ["listen", "--port", "0", "--journal", db, "--format", "json",
    "--secret", TOKEN, "--relay-token", RELAY_TOKEN]);
  for (let n = 1; n <= 20; n++) {
    check((await request(small.port, { path: `/webhooks/acculynx?token=${TOKEN}`, body: body(n) })).status === 200,
      `small relay: delivery ${n}`);
  }
  small.proc.kill("SIGTERM");
  await exited(small.proc);
  const tenth = q(db, "SELECT received FROM deliveries WHERE seq = 11");
  execFileSync(acx, ["events", "prune", "--journal", db, "--before", tenth]);
  check(q(db, "SELECT min(seq) FROM deliveries") === "11", `pruned to ${q(db, "SELECT min(seq) FROM deliveries")}`);
  const again = await startAcx(dir, "small", ["listen", "--port", "0", "--journal", db, "--format", "json",
    "--secret", TOKEN, "--relay-token", RELAY_TOKEN]);
  const late = await startListener(dir, "late", [...upstream(again.port), "--upstream-from", "3"]);
  await waitFor(() => /caught up/.test(late.stderr()), 30, "the late laptop to catch up");
  check(/7 deliveries after #3 are gone/.test(late.stderr()), `the gap was not reported with its size: ${late.stderr()}`);
  check(accepted(laptopDb("late")) === 10, `the late laptop has ${accepted(laptopDb("late"))} of the 10 kept`);
  for (const L of [late, again]) L.proc.kill("SIGTERM");
  await Promise.all([late, again].map((L) => exited(L.proc)));
}

// The same while the relay runs: acx events prune, from another process, removes what the relay's memory of its
// recent commits still holds. The late laptop is told of the gap and gets only what is kept, never a pruned delivery.
{
  const db = join(dir, "running.db");
  const running = await startAcx(dir, "running", ["listen", "--port", "0", "--journal", db, "--format", "json",
    "--secret", TOKEN, "--relay-token", RELAY_TOKEN]);
  for (let n = 1; n <= 20; n++) {
    check((await request(running.port, { path: `/webhooks/acculynx?token=${TOKEN}`, body: body(100 + n) })).status === 200,
      `running relay: delivery ${n}`);
  }
  const tenth = q(db, "SELECT received FROM deliveries WHERE seq = 11");
  execFileSync(acx, ["events", "prune", "--journal", db, "--before", tenth]);
  const late = await startListener(dir, "late-running", [...upstream(running.port), "--upstream-from", "3"]);
  await waitFor(() => /caught up/.test(late.stderr()), 30, "the late laptop to catch up on a running relay");
  check(/7 deliveries after #3 are gone/.test(late.stderr()),
    `the gap on a running relay was not reported with its size: ${late.stderr()}`);
  check(accepted(laptopDb("late-running")) === 10,
    `the late laptop has ${accepted(laptopDb("late-running"))} of the 10 kept (pruned ones served?)`);
  for (const L of [late, running]) L.proc.kill("SIGTERM");
  await Promise.all([late, running].map((L) => exited(L.proc)));
}

// A proxy that closes connections idle for 2 s (times ACX_TEST_SCALE: a sanitised relay on a busy machine may send its
// keep-alive late): a quiet stream stays open through it (keep-alive every second), and
// what comes after the quiet still arrives.
{
  const db = join(dir, "quiet.db");
  const quiet = await startAcx(dir, "quiet", ["listen", "--port", "0", "--journal", db, "--format", "json",
    "--secret", TOKEN, "--relay-token", RELAY_TOKEN, "--relay-keep-alive", "1s"]);
  let closedIdle = 0;
  let keepAlives = 0;
  const proxy = net.createServer((client) => {
    const server = net.connect(quiet.port, "127.0.0.1");
    let timer;
    const idle = () => { clearTimeout(timer); timer = setTimeout(() => { closedIdle++; client.destroy(); server.destroy(); }, 2000 * SCALE); };
    idle();
    client.on("data", (d) => { idle(); server.write(d); });
    server.on("data", (d) => { idle(); keepAlives += d.toString().includes(": keep-alive") ? 1 : 0; client.write(d); });
    for (const s of [client, server]) s.on("error", () => {}).on("close", () => { clearTimeout(timer); client.destroy(); server.destroy(); });
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const far = await startListener(dir, "far", upstream(proxy.address().port));
  await waitFor(() => /caught up/.test(far.stderr()), 30, "the laptop behind the proxy to connect");
  // Quiet for longer than the proxy's idle limit: only keep-alives cross it, one a second.
  const before = keepAlives;
  await waitFor(() => keepAlives >= before + 3 * SCALE, 30, "keep-alives for longer than the proxy's idle limit");
  check((await request(quiet.port, { path: `/webhooks/acculynx?token=${TOKEN}`, body: body(1) })).status === 200,
    "the quiet relay took a delivery");
  await waitFor(() => accepted(laptopDb("far")) === 1, 30, "the delivery after the quiet to reach the laptop");
  check(closedIdle === 0, `the proxy closed ${closedIdle} idle connection(s): the keep-alive did not hold the stream`);
  check(!/connecting again/.test(far.stderr()), `the laptop had to connect again: ${far.stderr()}`);
  for (const L of [far, quiet]) L.proc.kill("SIGTERM");
  await Promise.all([far, quiet].map((L) => exited(L.proc)));
  proxy.close();
}
// Over TLS: a relay serving HTTPS with a self-signed certificate. A laptop that does not trust it exits 5 and says what
// to do (SSL_CERT_FILE), without retrying; one that trusts it pulls what was posted to the relay over HTTPS.
{
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { stdio: "ignore" });
  const secure = await startAcx(dir, "secure", ["listen", "--port", "0", "--journal", join(dir, "secure.db"),
    "--secret", TOKEN, "--relay-token", RELAY_TOKEN, "--tls-cert", cert, "--tls-key", key]);
  const over = ["--upstream", `https://127.0.0.1:${secure.port}`, "--relay-token", RELAY_TOKEN];
  const { SSL_CERT_FILE: _, ...untrusting } = process.env;
  const trusting = { ...untrusting, SSL_CERT_FILE: cert };
  const refused = spawnSync(acx, ["listen", "--port", "0", "--journal", join(dir, "untrusted.db"), ...over],
    { timeout: 30000 * SCALE, env: untrusting });
  check(refused.status === 5 && /certificate is not trusted.*SSL_CERT_FILE/.test(refused.stderr) &&
    !/connecting again/.test(refused.stderr), `an untrusted relay: exit ${refused.status}, ${refused.stderr}`);
  const tls = await startListener(dir, "tls", over, { env: trusting });
  execFileSync(acx, ["send", "job_created", "--to", `https://127.0.0.1:${secure.port}/webhooks/acculynx`, "--secret",
    TOKEN, "-n", "5"], { env: trusting, stdio: "ignore" });
  await waitFor(() => accepted(laptopDb("tls")) === 5, 30, "the 5 deliveries to reach the laptop over TLS");
  check(rows(laptopDb("tls")) === rows(join(dir, "secure.db")), "the laptop over TLS differs from its relay");
  for (const L of [tls, secure]) L.proc.kill("SIGTERM");
  await Promise.all([tls, secure].map((L) => exited(L.proc)));
}
app.close();
finish();
