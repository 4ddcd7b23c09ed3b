// acx reconcile over 10,000 changes against acx sandbox at AccuLynx's limits: how long it takes and how many API
// requests it spends, within the budget (8 a second per key). No peer can do this (none knows the provider's data), so
// the figures stand alone. Usage: node bench/reconcile.mjs path/to/acx [CHANGES]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import http from "node:http";
import { join } from "node:path";

const acx = process.argv[2];
const total = Number(process.argv[3] || 10000);
const dir = mkdtempSync(join(tmpdir(), "acx-bench-reconcile-"));
process.env.XDG_STATE_HOME = join(dir, "state");
const config = join(dir, "config.toml");
const procs = [];
process.on("exit", () => { for (const p of procs) p.kill("SIGKILL"); rmSync(dir, { recursive: true, force: true }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function start(name, args) {
  const ready = join(dir, `${name}.ready`);
  const p = spawn(acx, [...args, "--ready-file", ready], { stdio: "ignore" });
  procs.push(p);
  while (!existsSync(ready) || !readFileSync(ready, "utf8").includes(":")) await sleep(20);
  return { proc: p, port: Number(readFileSync(ready, "utf8").trim().split(":").pop()) };
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const post = (port, path, body) => new Promise((resolve, reject) => {
  const req = http.request({ host: "127.0.0.1", port, method: "POST", path, agent,
    headers: { Authorization: "Bearer b", "Content-Type": "application/json" } }, (res) => {
    let text = "";
    res.on("data", (d) => (text += d));
    res.on("end", () => resolve(JSON.parse(text)));
  });
  req.on("error", reject);
  req.end(JSON.stringify(body));
});
const events = () => spawnSync(acx, ["events", "stats", "--journal", join(dir, "j.db"), "--format", "json"],
  { encoding: "utf8" }).stdout;

// The changes, made fast (no limits), delivered to a listener; then the same state at AccuLynx's limits.
let s = await start("sandbox", ["sandbox", "--port", "0", "--data-dir", join(dir, "sbx"), "--api-key", "b",
  "--key-limit", "100000", "--address-limit", "100000"]);
const lport = 20000 + (process.pid % 5000);
const topics = ["job_created", "job_updated", "job.milestone.current_changed", "contact_added"];
spawnSync(acx, ["subscribe", "--url", `http://127.0.0.1:${lport}/hooks`, ...topics.flatMap((t) => ["--topic", t]),
  "--contact", "b@example.com", "--api-base", `http://127.0.0.1:${s.port}/webhooks/v2`, "--api-key", "b", "--config",
  config]);
await start("listen", ["listen", "--profile", "default", "--config", config, "--port", String(lport), "--journal",
  join(dir, "j.db")]);
const jobsN = Math.max(1, Math.round(total / 100));
const since = new Date(Date.now() - 1000).toISOString();
const contacts = [];
for (let i = 0; i < jobsN; i++) contacts.push((await post(s.port, "/api/v2/contacts", { firstName: `B${i}` })).id);
const jobs = [];
for (let i = 0; i < jobsN; i++) jobs.push((await post(s.port, "/api/v2/jobs/Createjob", { contactId: contacts[i] })).id);
const rest = total - 2 * jobsN;
const names = ["Prospect", "Approved", "Completed", "Invoiced"];
for (let i = 0; i < rest; i++) {
  const job = jobs[i % jobsN];
  await (i % 2 ? post(s.port, `/_sandbox/jobs/${job}/update`, { set: [`jobName=J${i}`] })
    : post(s.port, `/_sandbox/jobs/${job}/milestone`, { milestone: names[(i / 2) % 4 | 0] }));
}
const newest = () => Number(/"newestSeq":(\d+)/.exec(events())?.[1] ?? 0);
while (newest() < total) await sleep(200);
s.proc.kill("SIGTERM");
await new Promise((r) => s.proc.on("exit", r));
s = await start("sandbox2", ["sandbox", "--port", "0", "--data-dir", join(dir, "sbx"), "--api-key", "b"]);

const began = Date.now();
const r = spawnSync(acx, ["reconcile", "--since", since, "--journal", join(dir, "j.db"), "--config", config,
  "--api-base", `http://127.0.0.1:${s.port}/webhooks/v2`, "--format", "json"], { encoding: "utf8" });
const wall = (Date.now() - began) / 1000;
const summary = r.stdout.split("\n").filter(Boolean).map(JSON.parse).find((x) => x.kind === "summary");
console.log(`reconcile over ${summary.changes} changes (${summary.jobs} jobs, ${summary.contacts} contacts): ` +
  `${summary.matched} matched, ${summary.missed} missed; ${summary.apiRequests} API requests in ${wall.toFixed(1)} s ` +
  `(${(summary.apiRequests / wall).toFixed(1)} requests/s, budget 8/s; ${(summary.changes / wall).toFixed(0)} changes/s)`);
process.exit(0);
