// Hydration against acx sandbox (AccuLynx's limits and its 30 s ban): two listeners on one machine, each subscribed,
// forward 300 events over 30 jobs through a route with hydrate = ["job", "contact"]. Every forward carries the job as the sandbox had it
// when the event was handed over (never older than the event's change) and the job's primary contact; the last one of
// each job its final state; the sandbox counts never more than 8 requests a second for the key and 25 for the address,
// and no ban; the cache spares fetches (fewer API requests than events). Then, with the sandbox answering 429 (a key
// limit of 2 a second), events wait and arrive hydrated (--hydrate job,contact), each job's in order. Changes are made
// from 127.0.0.2, and after the jobs are made through the sandbox's own routes (uncounted), so the counts are the
// listeners'.
// Usage: node hydrate.mjs path/to/acx
import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createHash } from "node:crypto";
import http from "node:http";
import { join } from "node:path";
import { acx, check, finish, quietPort, scratch, startAcx, request, waitFor } from "./lib.mjs";

const dir = scratch("hydrate");
const config = join(dir, "config.toml");
const run = (args) => spawnSync(acx, args, { encoding: "utf8" });
const topics = ["job_created", "job_updated", "job.milestone.current_changed"];

// A request from 127.0.0.2 (the person making changes), waiting out a 429 as the sandbox says.
function maker(port, key) {
  const once = (method, path, body) => new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, localAddress: "127.0.0.2", agent: false,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, retry: Number(res.headers["retry-after"] ?? 1), text }));
    });
    req.on("error", (e) => resolve({ status: 0, retry: 1, text: String(e) }));
    req.end(body ? JSON.stringify(body) : "");
  });
  return async (method, path, body) => {
    for (;;) {
      const r = await once(method, path, body);
      if (r.status !== 429) return JSON.parse(r.text || "null");
      await new Promise((ok) => setTimeout(ok, r.retry * 1000)); // the sandbox's Retry-After, not a guess
    }
  };
}

// An app that keeps every forward, by the path it came to.
const got = { a: [], b: [], c: [] };
const app = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    got[req.url.slice(1)]?.push(JSON.parse(body));
    res.end("ok");
  });
});
await new Promise((ok) => app.listen(0, "127.0.0.1", ok));
const appUrl = (name) => `http://127.0.0.1:${app.address().port}/${name}`;

async function setUp(name, sandboxArgs, profiles) {
  const s = await startAcx(dir, name, ["sandbox", "--port", "0", "--data-dir", join(dir, name), "--api-key", "h",
    "--give-up-after", "10m", ...sandboxArgs]);
  const base = `http://127.0.0.1:${s.port}/webhooks/v2`;
  const listeners = [];
  for (const p of profiles) {
    const port = await quietPort();
    const sub = run(["subscribe", "--url", `http://127.0.0.1:${port}/hooks`, ...topics.flatMap((t) => ["--topic", t]),
      "--contact", "dev@example.com", "--api-base", base, "--api-key", "h", "--config", config, "--profile", p]);
    check(sub.status === 0, `subscribe ${p} (${sub.stderr.trim()})`);
    // a and b through a route of the profile (the changes, not the new jobs); c with the flags (every event).
    if (p !== "c") {
      appendFileSync(config, `\n[[profiles.${p}.forward]]\nurl = "${appUrl(p)}"\ntopics = ["job_updated", ` +
        `"job.milestone.*"]\nhydrate = ["job", "contact"]\n`);
    }
    listeners.push(await startAcx(dir, `listen-${p}`, ["listen", "--profile", p, "--config", config, "--port",
      String(port), "--journal", join(dir, `${p}.db`),
      ...(p === "c" ? ["--forward-to", appUrl(p), "--hydrate", "job,contact"] : [])]));
  }
  const usage = async () => JSON.parse((await request(s.port, { method: "GET", path: "/_sandbox/usage",
    headers: { Authorization: "Bearer h" } })).body);
  return { s, base, listeners, usage, make: maker(s.port, "h") };
}
const metric = async (l, name) => Number(new RegExp(`^${name} (\\S+)$`, "m")
  .exec((await request(l.port, { method: "GET", path: "/metrics" })).body)?.[1] ?? NaN);

// Each forward: hydrated, its job never older than the event's change, its contact the job's primary one; each job's
// events in the order of its history.
function judge(forwards, jobs, what) {
  const bad = forwards.filter((f) => {
    const job = f.hydrated?.job;
    const primary = job?.contacts?.find((c) => c.isPrimary)?.contact?.id;
    return !job || job.id !== f.event.job.id || Date.parse(job.modifiedDate) < Date.parse(f.eventDateTime) ||
      f.hydrated.contact?.id !== primary;
  });
  check(bad.length === 0, `${what}: every forward hydrated, never older than its change (${bad.length} not)`);
  const ordered = jobs.every((j) => {
    const times = forwards.filter((f) => f.event.job.id === j).map((f) => Date.parse(f.eventDateTime));
    return times.every((t, i) => i === 0 || times[i - 1] <= t);
  });
  check(ordered, `${what}: each job's events in the order of its history`);
}

// ---- Two listeners, 300 events each: within the budget, no ban, the cache spares fetches.
{
  const { s, listeners, usage, make } = await setUp("budget", [], ["a", "b"]);
  const contacts = [];
  for (let i = 0; i < 10; i++) contacts.push((await make("POST", "/api/v2/contacts", { firstName: "H", lastName: `${i}` })).id);
  const jobs = [];
  for (let i = 0; i < 30; i++) jobs.push((await make("POST", "/api/v2/jobs/Createjob", { contactId: contacts[i % 10] })).id);
  const created = Math.floor(Date.now() / 1000) + 1; // the changes from here on go through uncounted routes
  const names = ["Prospect", "Approved", "Completed"];
  for (let k = 0; k < 10; k++) {
    for (const j of jobs) {
      if (k % 3 === 2) await make("POST", `/_sandbox/jobs/${j}/milestone`, { milestone: names[k % 3] });
      else await make("POST", `/_sandbox/jobs/${j}/update`, { set: [`jobName=J${k}`] });
    }
  }
  await waitFor(() => got.a.length >= 300 && got.b.length >= 300, 20, "300 forwards to each listener's app").catch((e) => { console.log(got.a.length, got.b.length, listeners.map((l) => l.stderr().slice(0, 3000))); throw e; });
  check(got.a.length === 300 && got.b.length === 300, `300 forwards each (${got.a.length}, ${got.b.length})`);
  judge(got.a, jobs, "listener a");
  judge(got.b, jobs, "listener b");
  const last = (forwards, j) => forwards.filter((f) => f.event.job.id === j).at(-1).hydrated.job.jobName;
  check(jobs.every((j) => last(got.a, j) === "J9" && last(got.b, j) === "J9"),
    "each job's last forward carries its final state");
  const u = await usage();
  const h = `key-${createHash("sha256").update("h").digest("hex").slice(0, 8)}`; // as the sandbox names a key
  const perKey = Math.max(...u.seconds.filter((x) => x.second >= created).map((x) => x.keys[h] ?? 0));
  const perAddress = Math.max(...u.seconds.map((x) => x.addresses["127.0.0.1"] ?? 0));
  const fetches = (await metric(listeners[0], "acx_hydrate_fetches_total")) +
    (await metric(listeners[1], "acx_hydrate_fetches_total"));
  const hits = (await metric(listeners[0], "acx_hydrate_cache_hits_total")) +
    (await metric(listeners[1], "acx_hydrate_cache_hits_total"));
  console.log(`hydration: ${fetches} API requests and ${hits} cache hits for 600 forwards; busiest second ${perKey} ` +
    `for the key, ${perAddress} for the address`);
  check(perKey <= 8, `never more than 8 a second with the key (at most ${perKey})`);
  check(perAddress <= 25, `never more than 25 a second from the address (at most ${perAddress})`);
  check(u.bans.length === 0, "no ban");
  check(fetches > 0 && fetches < 600 && hits > 0, `the cache spares fetches: ${fetches} requests for 600 events`);
  for (const l of listeners) l.proc.kill("SIGTERM");
  s.proc.kill("SIGTERM");
}

// ---- The sandbox answering 429 (2 requests a second a key): events wait, then arrive hydrated and in order.
{
  const { s, listeners, make } = await setUp("limited", ["--key-limit", "2", "--retry-after"], ["c"]);
  const contact = (await make("POST", "/api/v2/contacts", { firstName: "L" })).id;
  const jobs = [];
  for (let i = 0; i < 4; i++) jobs.push((await make("POST", "/api/v2/jobs/Createjob", { contactId: contact })).id);
  for (let k = 0; k < 9; k++) for (const j of jobs) await make("POST", `/_sandbox/jobs/${j}/update`, { set: [`jobName=L${k}`] });
  await waitFor(() => got.c.length >= 40, 180, "40 forwards through the 429s");
  check(got.c.length === 40, `40 forwards (${got.c.length})`);
  judge(got.c, jobs, "behind 429s");
  const waits = await metric(listeners[0], "acx_hydrate_waits_total");
  check(waits > 0, `fetches waited for the budget or a 429 (${waits})`);
  check((await metric(listeners[0], "acx_hydrate_failures_total")) === 0, "and none failed: nothing sent thin");
  listeners[0].proc.kill("SIGTERM");
  s.proc.kill("SIGTERM");
}
app.close();
finish();
