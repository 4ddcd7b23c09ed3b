// Crash consistency: under concurrent load, kill -9 the listener, restart it on the same journal: every eventId that
// got a 2xx is there, exactly once. Usage: node crash.mjs path/to/acx
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import { randomUUID } from "node:crypto";

const acx = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), "acx-crash-"));
const journal = join(dir, "journal.db");
let passed = 0;
let failed = 0;
const check = (ok, what) => (ok ? passed++ : (failed++, console.error(`FAIL: ${what}`)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function start() {
  const ready = join(dir, "ready");
  if (existsSync(ready)) unlinkSync(ready);
  const proc = spawn(acx, ["listen", "--port", "0", "--ready-file", ready, "--journal", journal, "--secret", "tok",
    "--format", "json"], { stdio: ["ignore", "ignore", "ignore"] });
  for (let i = 0; i < 200 && !existsSync(ready); i++) await sleep(50);
  return { proc, port: Number(readFileSync(ready, "utf8").trim().split(":")[1]) };
}

const template = execFileSync(acx, ["fixtures", "show", "job.invoice_updated"]).toString();
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function send(port, body) {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/webhooks/acculynx?token=tok", agent,
      headers: { "Content-Type": "application/json" } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      // A kill in the middle of the answer: the exchange did not complete (resolving twice is harmless).
      res.on("close", () => resolve({ status: 0, body: "" }));
      res.on("error", () => resolve({ status: 0, body: "" }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end(body);
  });
}
const withId = (id) => template.replace(/"eventId": "[^"]*"/, `"eventId": "${id}"`);

for (let round = 0; round < 3; round++) {
  const L = await start();
  const acked = [];
  let stop = false;
  const workers = Array.from({ length: 16 }, async () => {
    while (!stop) {
      const id = randomUUID();
      const r = await send(L.port, withId(id));
      if (r.status >= 200 && r.status < 300) acked.push(id);
      if (r.status === 0) return;
    }
  });
  await sleep(700 + round * 300);
  L.proc.kill("SIGKILL");
  stop = true;
  await Promise.all(workers);
  await new Promise((r) => (L.proc.exitCode !== null || L.proc.signalCode ? r() : L.proc.on("exit", r)));
  check(acked.length > 50, `round ${round}: only ${acked.length} deliveries were acknowledged before the kill`);

  // Restarted on the same journal, every acknowledged event is there: resending it is a duplicate.
  const R = await start();
  let missing = 0;
  for (const id of acked) {
    const r = await send(R.port, withId(id));
    if (!r.body.includes('"status":"duplicate"')) missing++;
  }
  check(missing === 0, `round ${round}: ${missing} of ${acked.length} acknowledged events were lost in the crash`);
  R.proc.kill("SIGTERM");
  await new Promise((r) => (R.proc.exitCode !== null ? r() : R.proc.on("exit", r)));
  agent.destroy();

  // ... and exactly once.
  const q = (sql) => execFileSync("sqlite3", [journal, sql]).toString().trim();
  check(q("SELECT count(*) FROM (SELECT event_id FROM deliveries WHERE status = 'accepted' GROUP BY event_id HAVING count(*) > 1)") === "0",
    `round ${round}: an eventId was accepted twice`);
  const accepted = new Set(q("SELECT event_id FROM deliveries WHERE status = 'accepted'").split("\n"));
  check(acked.every((id) => accepted.has(id)), `round ${round}: an acknowledged eventId is not among the accepted rows`);
}

// A graceful stop under load: SIGTERM finishes in-flight requests, and every acknowledged event is printed once.
{
  const ready = join(dir, "ready");
  if (existsSync(ready)) unlinkSync(ready);
  const out = [];
  const proc = spawn(acx, ["listen", "--port", "0", "--ready-file", ready, "--journal", join(dir, "graceful.db"),
    "--secret", "tok", "--format", "json"], { stdio: ["ignore", "pipe", "ignore"] });
  proc.stdout.on("data", (d) => out.push(d));
  for (let i = 0; i < 200 && !existsSync(ready); i++) await sleep(50);
  const port = Number(readFileSync(ready, "utf8").trim().split(":")[1]);
  const acked = [];
  let stop = false;
  const gentle = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const workers = Array.from({ length: 16 }, async () => {
    while (!stop) {
      const id = randomUUID();
      const r = await new Promise((resolve) => {
        const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/webhooks/acculynx?token=tok",
          agent: gentle, headers: { "Content-Type": "application/json" } }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
          res.on("close", () => resolve(0));
          res.on("error", () => resolve(0));
        });
        req.on("error", () => resolve(0));
        req.end(withId(id));
      });
      if (r === 200) acked.push(id);
      if (r === 0) return;
    }
  });
  await sleep(800);
  proc.kill("SIGTERM");
  const code = await new Promise((r) => proc.on("exit", (c) => r(c)));
  stop = true;
  await Promise.all(workers);
  gentle.destroy();
  check(code === 0, `SIGTERM under load exits ${code}`);
  const printed = Buffer.concat(out).toString().trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).eventId);
  const printedSet = new Set(printed);
  check(printed.length === printedSet.size, "an event was printed twice");
  check(acked.length > 50 && acked.every((id) => printedSet.has(id)),
    `of ${acked.length} acknowledged events, ${acked.filter((id) => !printedSet.has(id)).length} were not printed`);
}

rmSync(dir, { recursive: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
