// Benchmark of how committed deliveries reach a listener's readers (issue 35, point 5), run by bench/tail.sh: one
// `acx listen` with a forward target (--forward-to), a relay stream open (GET /relay) and the inspect page's live
// rows (GET /live, asked again at once after each answer, as a page with no reconnection delay would), on loopback:
//  1. idle: the listener's CPU over 60 s with nothing arriving (utime + stime from /proc/PID/stat), as % of a core
//     (target < 0.1%);
//  2. commit to reader: 300 deliveries posted one at a time, 20 ms apart; for each reader, the time from the POST to
//     the delivery's arrival there (its commit, fsync included, and the way to the reader), p50 and p90, and from its
//     answer (sent once committed: the way alone) (target p50 < 5 ms).
// Not a test: figures only. Prints them, and a last line of JSON for bench/tail.sh's side-by-side table.
// Usage: node bench/tail.mjs ACX [IDLE_SECONDS]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { scratch, sleep, starter } from "./relay_lib.mjs";

const acx = process.argv[2];
const IDLE = Number(process.argv[3] || 60);
const N = 300;
const dir = scratch("tail");
const RELAY = "relay-token-0123456789";
const template = execFileSync(acx, ["fixtures", "show", "job.milestone.current_changed"]).toString();
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const seen = { forward: new Map(), relay: new Map(), page: new Map() };
const note = (reader, text) => {
  for (const m of text.matchAll(/00000000-0000-4000-8000-(\d{12})/g)) {
    if (!seen[reader].has(m[1])) seen[reader].set(m[1], now());
  }
};

// The forward target: notes each event's arrival.
const target = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => { note("forward", body); res.end("ok"); });
});
await new Promise((r) => target.listen(0, "127.0.0.1", r));

const start = starter(acx, dir, []);
const l = await start("listener", ["--forward-to", `http://127.0.0.1:${target.address().port}/hook`,
  "--relay-token", RELAY, "--inspect=0"]);
// The page's token is in the file stderr names (kept out of the terminal).
let file = "";
for (let i = 0; i < 200 && !file; i++) {
  file = (/open file:\/\/(\S+inspect-\d+\.html)/.exec(l.err()) || [])[1] || "";
  if (!file) await sleep(20);
}
if (!file) throw new Error(`no inspect page on stderr: ${l.err()}`);
const page = new URL(/http:\/\/127\.0\.0\.1:\d+\/\?token=[^"'\s]+/.exec(readFileSync(file, "utf8"))[0]);

// The relay stream, read as it comes.
http.get({ host: "127.0.0.1", port: l.port, path: "/relay?after=0", headers: { Authorization: `Bearer ${RELAY}` } },
  (res) => res.on("data", (d) => note("relay", d.toString()))).on("error", () => {});
// The page's live rows: each answer noted, then asked again from where it ended.
(async () => {
  let last = "";
  for (;;) {
    const text = await new Promise((resolve) => {
      http.get({ host: "127.0.0.1", port: page.port, path: `/live?token=${page.searchParams.get("token")}`,
        headers: last ? { "Last-Event-ID": last } : {} }, (res) => {
        let b = "";
        res.on("data", (d) => (b += d));
        res.on("end", () => resolve(b));
      }).on("error", () => resolve(""));
    });
    // A row names its delivery by sequence number (<tr id="a7">): the journal is fresh, so #n is delivery n.
    note("page", text.replace(/<tr id="a(\d+)"/g, (_, n) => id(Number(n))));
    const ids = [...text.matchAll(/^id: (.*)$/gm)];
    if (ids.length) last = ids[ids.length - 1][1];
    if (!text) await sleep(100);
  }
})();

await sleep(3000); // started, streams open
const cpu = () => {
  const f = readFileSync(`/proc/${l.p.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks
};
const HZ = Number(execFileSync("getconf", ["CLK_TCK"]).toString());
const c0 = cpu();
const t0 = now();
await sleep(IDLE * 1000);
const idle = ((cpu() - c0) / HZ) / ((now() - t0) / 1000) * 100;

const answered = new Map();
const agent = new http.Agent({ keepAlive: true });
for (let n = 1; n <= N; n++) {
  const body = template.replace(/"eventId": "[^"]*"/, `"eventId": "${id(n)}"`);
  const sent = now();
  await new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: l.port, method: "POST", path: "/webhooks/acculynx", agent,
      headers: { "Content-Type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => { answered.set(String(n).padStart(12, "0"), [sent, now()]); resolve(); });
    });
    req.on("error", reject);
    req.end(body);
  });
  await sleep(20);
}
await sleep(2000);
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
console.log(`idle: ${idle.toFixed(3)}% of a core over ${IDLE} s (forwarder, relay stream and page open)`);
const figures = { idle };
for (const reader of ["forward", "relay", "page"]) {
  const reached = [...answered].filter(([k]) => seen[reader].has(k));
  const from = (i) => reached.map(([k, t]) => seen[reader].get(k) - t[i]).sort((a, b) => a - b);
  const [post, answer] = [from(0), from(1)];
  console.log(`${reader.padEnd(8)} ${reached.length}/${N} reached; from the POST: p50 ${pct(post, 50).toFixed(2)} ms, ` +
    `p90 ${pct(post, 90).toFixed(2)} ms; from its answer: p50 ${pct(answer, 50).toFixed(2)} ms`);
  figures[reader] = { reached: reached.length, p50: pct(post, 50), p90: pct(post, 90) };
}
console.log(JSON.stringify(figures));
process.exit(0);
