// A laptop trusts nothing its relay sends. A hostile relay (a small server of the test's own) feeds `acx listen
// --upstream` endless data lines, a 4 MiB line, a body that is not JSON, an eventId the body does not have, a 3 MB body,
// a delivery from year 9999, a path with CR/LF, repeated, backward, INT64_MAX sequence numbers and one past the relay's
// newest: the laptop stores
// only the valid deliveries, counts each refusal in /metrics, stays under 100 MB (not checked under the sanitizers,
// whose allocator keeps freed memory), and the stream goes on. Then against
// a real relay: --upstream-from now is the laptop's position from its first connection on, across a relay restart
// and a laptop restart before anything arrived.
// Usage: node relay_hostile.mjs path/to/acx
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import http from "node:http";
import { SCALE, acx, check, exited, finish, quietPort, request, scratch, startAcx, startListener, waitFor } from "./lib.mjs";

const dir = scratch("relay-hostile");
const RELAY_TOKEN = "relay-token-0123456789";
const q = (db, sql) => execFileSync("sqlite3", [db, sql]).toString().trim();
const template = execFileSync(acx, ["fixtures", "show", "job.milestone.current_changed"]).toString();
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const body = (n) => template.replace(/"eventId": "[^"]*"/, `"eventId": "${id(n)}"`).replace(/^\{/, `{"n": ${n},`);
const TOPIC = /"topicName": "([^"]*)"/.exec(template)[1];
const delivery = (seq, { n = seq, b = body(n), eventId = id(n), received = new Date().toISOString(),
  path = "/webhooks/acculynx" } = {}) =>
  `id: ${seq}\nevent: delivery\ndata: ${JSON.stringify({ seq: 0, received, eventId, topic: TOPIC, path,
    headers: [["Content-Type", "application/json"]], body: Buffer.from(b).toString("base64") })
    .replace('"seq":0', `"seq":${seq}`)}\n\n`;
const rss = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const metric = async (port, line) => {
  const m = (await request(port, { method: "GET", path: "/metrics" })).body;
  const found = m.split("\n").find((l) => l.startsWith(line + " "));
  return found ? Number(found.split(" ").pop()) : NaN;
};

// 1. The hostile relay.
{
  let streams = 0;
  const relay = http.createServer(async (req, res) => {
    streams++;
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    const write = (text) => new Promise((resolve) => (res.write(text) ? resolve() : res.once("drain", resolve)));
    if (streams > 1) return; // a reconnection: an open, quiet stream
    await write(`event: hello\ndata: {"first":1,"last":20,"after":0}\n\n`);
    await write(delivery(1)); // valid
    await write(delivery(2, { b: "hello, not JSON" }));
    await write(delivery(3, { eventId: id(333) })); // the body's eventId is another
    await write(delivery(4, { b: body(4).replace(/^\{/, `{"pad": "${"x".repeat(3 << 20)}",`) })); // 3 MB
    await write(delivery(5, { received: "9999-12-31T23:59:59Z" }));
    await write(delivery(6, { path: "/webhooks/acculynx\r\nX-Injected: 1" }));
    await write(delivery(7)); // valid
    await write(delivery(7, { n: 77 })); // a repeat
    await write(delivery(6, { n: 66 })); // a step back
    await write(delivery("9223372036854775807", { n: 99 })); // INT64_MAX
    await write(delivery(50, { n: 50 })); // past the relay's newest (20) before it said it was live: a gap
    // Endless data lines without the blank line that ends an event: 100 MB of them.
    await write("id: 8\nevent: delivery\n");
    const line = `data: ${"y".repeat(64 << 10)}\n`;
    for (let i = 0; i < 1600; i++) await write(line);
    await write("\n");
    await write(`event: delivery\ndata: ${"z".repeat(4 << 20)}\n\n`); // one 4 MiB line
    await write(delivery(9)); // valid: the stream went on
  });
  await new Promise((r) => relay.listen(0, "127.0.0.1", r));
  const laptop = await startListener(dir, "laptop", ["--upstream", `http://127.0.0.1:${relay.address().port}`,
    "--relay-token", RELAY_TOKEN]);
  const db = join(dir, "laptop.db");
  await waitFor(() => q(db, `SELECT count(*) FROM deliveries WHERE event_id = '${id(9)}'`) === "1", 120,
    "the valid delivery after the hostile ones");
  const stored = q(db, "SELECT group_concat(event_id, ' ') FROM (SELECT event_id FROM deliveries ORDER BY seq)");
  check(stored === [id(1), id(7), id(9)].join(" "), `only the valid deliveries are stored: ${stored}`);
  check(q(db, "SELECT count(*) FROM refused") === "0", "nothing of the relay's is stored as refused either");
  for (const [reason, n] of [["invalid", 1], ["mismatch", 1], ["too_large", 3], ["time", 1], ["path", 1],
    ["sequence", 4]]) {
    const got = await metric(laptop.port, `acx_upstream_refused_total{reason="${reason}"}`);
    check(got === n, `acx_upstream_refused_total{reason="${reason}"} ${got}, expected ${n}`);
  }
  check(await metric(laptop.port, "acx_upstream_pulled_total") === 3, "three deliveries pulled");
  const err = laptop.stderr();
  for (const words of ["not a valid AccuLynx envelope", "the relay names eventId", "over what --max-body",
    "in the future", "is not one a delivery is posted to", "repeats or steps back",
    "no journal reaches that sequence number", "a gap: it jumps past the relay's newest, #20"]) {
    check(err.includes(words), `stderr says "${words}"`);
  }
  check(!/X-Injected: 1\n/.test(err), "the CR/LF path is not printed raw");
  check(q(db, "SELECT value FROM meta WHERE key LIKE 'upstream %'") === "9", "the cursor is the last valid delivery's");
  if (SCALE === 1) { // the sanitizers' allocator keeps freed memory in quarantine
    const peak = rss(laptop.proc.pid);
    check(peak < 100 * 1024 * 1024, `the laptop's peak RSS ${(peak / 1048576).toFixed(1)} MB, under 100 MB`);
  }
  check(streams === 1, `the stream went on (${streams} connections)`);
  laptop.proc.kill("SIGTERM");
  check((await exited(laptop.proc)) === 0, "the laptop stops cleanly");
  relay.close();
  relay.closeAllConnections();
}

// 2. --upstream-from now across a relay restart and a laptop restart, against a real relay.
{
  const relayPort = await quietPort();
  const relayDb = join(dir, "relay.db");
  const startRelay = () => startAcx(dir, "relay", ["listen", "--port", String(relayPort), "--journal", relayDb,
    "--format", "json", "--secret", "delivery-token-1", "--relay-token", RELAY_TOKEN]);
  const post = async (n) => {
    const r = await request(relayPort, { path: "/webhooks/acculynx?token=delivery-token-1", body: body(n) });
    check(r.status === 200, `the relay takes delivery ${n}: ${r.status} ${r.body}`);
  };
  let relay = await startRelay();
  for (let n = 101; n <= 105; n++) await post(n);
  const db = join(dir, "fromnow.db");
  const laptopArgs = ["--upstream", `http://127.0.0.1:${relayPort}`, "--relay-token", RELAY_TOKEN,
    "--upstream-from", "now"];
  let laptop = await startListener(dir, "fromnow", laptopArgs);
  await waitFor(() => /connected at #5/.test(laptop.stderr()), 30, "the laptop to connect at the relay's newest");
  check(q(db, "SELECT value FROM meta WHERE key LIKE 'upstream %'") === "5",
    "the position is in the journal before any delivery");
  relay.proc.kill("SIGTERM"); // an ordinary restart: the laptop reconnects
  await exited(relay.proc);
  relay = await startRelay();
  await post(106);
  const ids = () => q(db, "SELECT group_concat(event_id, ' ') FROM (SELECT event_id FROM deliveries ORDER BY seq)");
  await waitFor(() => ids() === id(106), 30, "the laptop to have delivery 106 only");
  laptop.proc.kill("SIGTERM");
  await exited(laptop.proc);
  // Nothing arrives between a start and its restart: the position is kept all the same.
  const db2 = join(dir, "fromnow2.db");
  let laptop2 = await startAcx(dir, "fromnow2", ["listen", "--port", "0", "--journal", db2, ...laptopArgs]);
  await waitFor(() => /connected at #6/.test(laptop2.stderr()), 30, "a second laptop to connect at #6");
  laptop2.proc.kill("SIGTERM");
  await exited(laptop2.proc);
  await post(107); // while both laptops are away
  laptop = await startListener(dir, "fromnow", laptopArgs);
  laptop2 = await startAcx(dir, "fromnow2", ["listen", "--port", "0", "--journal", db2, ...laptopArgs]);
  await waitFor(() => ids() === `${id(106)} ${id(107)}`, 30, "the laptop to pull 107 after its restart");
  const ids2 = () => q(db2, "SELECT group_concat(event_id, ' ') FROM (SELECT event_id FROM deliveries ORDER BY seq)");
  await waitFor(() => ids2() === id(107), 30, "the second laptop to pull 107 only");
  check(ids() === `${id(106)} ${id(107)}` && ids2() === id(107), "nothing old was pulled");
  for (const p of [laptop, laptop2, relay]) {
    p.proc.kill("SIGTERM");
    await exited(p.proc);
  }
}

finish();
