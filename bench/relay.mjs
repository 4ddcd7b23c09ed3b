// Benchmark of the relay (issue 20, point 4), run by bench/relay.sh: acx listen --relay-token on loopback, with
//  1. latency: 1,000 deliveries posted one after another, each timed from its POST to its line on a connected
//     laptop's output (acx listen --upstream, JSON lines): p50, p99 (targets < 100 ms, < 500 ms);
//  2. catch-up: a laptop started against a relay holding N deliveries (100,000): time to "caught up", events/s
//     (target >= 10,000/s);
//  3. deliveries' p99 and rate with no stream open, then with 50 streams open and idle (laptops are elsewhere: the
//     streams are read by this script), then while 10 streams catch up from the start (target: >= 90% of the rate
//     without them). The load: acx send load mode, 32 connections. The streams are read by another process under
//     nice, as laptops elsewhere would read them.
// Not a test: figures only. Usage: node bench/relay.mjs ACX [N]
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { procs, scratch, sleep, starter } from "./relay_lib.mjs";

const acx = process.argv[2];
const N = Number(process.argv[3] || 100000);
const dir = scratch("relay");
const TOKEN = "delivery-token-1";
const RELAY = "relay-token-0123456789";

const start = starter(acx, dir, []);
const relayArgs = ["--secret", TOKEN, "--relay-token", RELAY];
const template = execFileSync(acx, ["fixtures", "show", "job.milestone.current_changed"]).toString();
const agent = new http.Agent({ keepAlive: true });
function post(port, id) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: `/webhooks/acculynx?token=${TOKEN}`, agent,
      headers: { "Content-Type": "application/json" } }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); });
    req.on("error", reject);
    req.end(template.replace(/"eventId": "[^"]*"/, `"eventId": "${id}"`));
  });
}
// COUNT streams read by another process, under nice (laptops are other machines): resolves once each is open.
async function readers(port, count, after) {
  const p = spawn("nice", ["-n", "19", "node", new URL("./relay_readers.mjs", import.meta.url).pathname, String(port),
    RELAY, String(count), after], { stdio: ["ignore", "pipe", "inherit"] });
  procs.push(p);
  const r = { p, live: false, read: 0 };
  let opened = false;
  p.stdout.on("data", (d) => {
    opened ||= d.includes("open");
    r.live ||= d.includes("live");
    r.read = Number(/read (\d+)/.exec(d)?.[1] ?? r.read);
  });
  r.stop = () => new Promise((resolve) => { p.on("exit", resolve); p.kill("SIGTERM"); });
  while (!opened) await sleep(20);
  return r;
}
// acx send load mode against the relay: events/s and p99 from its summary.
function load(port, n, rate) {
  const out = execFileSync(acx, ["send", "job_created", "--to", `http://127.0.0.1:${port}/webhooks/acculynx`, "--secret",
    TOKEN, "-n", String(n), "-c", "32", ...(rate ? ["--rate", String(rate)] : [])], { stdio: ["ignore", "pipe", "pipe"] })
    .toString();
  return { rate: Number(/events\/s\s+(\d+)/.exec(out)[1]), p99: Number(/p99 ([\d.]+) ms/.exec(out)[1]) };
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

// 1. Latency, post to a laptop's output.
const relay = await start("relay", relayArgs);
const seen = new Map();
const laptop = await start("laptop", ["--upstream", `http://127.0.0.1:${relay.port}`, "--relay-token", RELAY],
  (line) => { const id = /"eventId":"([^"]+)"/.exec(line)?.[1]; if (id) seen.set(id, performance.now()); });
while (!/caught up/.test(laptop.err())) await sleep(20);
const latencies = [];
for (let i = 0; i < 1000; i++) {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  const t0 = performance.now();
  if ((await post(relay.port, id)) !== 200) throw new Error("the relay refused a delivery");
  while (!seen.has(id)) await sleep(1);
  latencies.push(seen.get(id) - t0);
}
laptop.p.kill("SIGTERM");

// 3. Deliveries with no stream, with 50 idle streams, with 10 streams catching up (the relay holds N by then).
const n = 20000;
const paced = 10000; // 10 s at 1,000 events/s: far above an AccuLynx account's rate, below the relay's ceiling
const without = load(relay.port, n);
const pacedWithout = load(relay.port, paced, 1000);
const idle = await readers(relay.port, 50, "now");
const with50 = load(relay.port, n);
const pacedWith50 = load(relay.port, paced, 1000);
idle.p.kill();
// Fill the relay to N before the catch-up figures.
const have = 1000 + 2 * n + 2 * paced;
if (N > have) load(relay.port, N - have);
// The rate without streams again, at this journal's size (a bigger journal is slower to write to): the comparison.
const before = load(relay.port, n);
const catching = await readers(relay.port, 10, "0");
const t1 = performance.now();
const during = load(relay.port, n);
const loadSeconds = (performance.now() - t1) / 1000;
const caughtUp = catching.live;
await catching.stop();

// 2. Catch-up: a new laptop against everything the relay holds by now.
const metrics = await new Promise((resolve) => http.get({ host: "127.0.0.1", port: relay.port, path: "/metrics" },
  (res) => { let b = ""; res.on("data", (d) => (b += d)); res.on("end", () => resolve(b)); }));
const held = Number(/^acx_journal_records_committed_total (\d+)/m.exec(metrics)[1]);
const t0 = performance.now();
const late = await start("late", ["--upstream", `http://127.0.0.1:${relay.port}`, "--relay-token", RELAY]);
while (!/caught up/.test(late.err())) await sleep(5);
const seconds = (performance.now() - t0) / 1000;
const pulled = Number(/caught up \((\d+) deliveries/.exec(late.err())[1]);
if (/connecting again/.test(late.err())) console.log(`the late laptop connected again: ${late.err()}`);

const f = (x) => x.toFixed(1);
console.log(`\nrelay on loopback, acx ${execFileSync(acx, ["version"]).toString().split("\n")[0]}`);
console.log(`1. post -> laptop output, 1,000 deliveries one at a time: p50 ${f(pct(latencies, 0.5))} ms (target < 100), ` +
  `p99 ${f(pct(latencies, 0.99))} ms (target < 500), max ${f(Math.max(...latencies))} ms`);
console.log(`2. a laptop catching up ${pulled} deliveries: ${f(seconds)} s, ${Math.round(pulled / seconds)} events/s ` +
  `(target >= 10,000), start and connection included; the relay held ${held}`);
console.log(`3. deliveries (acx send -n ${n} -c 32):`);
console.log(`   at 1,000 events/s, no stream: p99 ${pacedWithout.p99} ms; 50 live streams: p99 ${pacedWith50.p99} ms ` +
  `(${f(pacedWith50.p99 / pacedWithout.p99)}x)`);
console.log(`   flat out, no stream open:    ${without.rate} events/s, p99 ${without.p99} ms`);
console.log(`   flat out, 50 live streams:   ${with50.rate} events/s, p99 ${with50.p99} ms  ` +
  `(${f(100 * with50.rate / without.rate)}% of the rate, p99 ${f(with50.p99 / without.p99)}x)`);
console.log(`   flat out, 10 catching up:    ${during.rate} events/s, p99 ${during.p99} ms  ` +
  `(${f(100 * during.rate / before.rate)}% of the rate just before, no stream: ${before.rate} events/s, p99 ` +
  `${before.p99} ms; target >= 90%)`);
console.log(`   the 10 streams read ${catching.read} deliveries meanwhile, ${Math.round(catching.read / 10 / loadSeconds)} ` +
  `events/s each (${caughtUp ? "all" : "not all"} caught up)`);
process.exit(0);
