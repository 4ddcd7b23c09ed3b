// acx reconcile against acx sandbox: a listener subscribed to every topic the sandbox's changes send; 200 changes over 20
// jobs and 10 contacts, the listener stopped during 40 of them, given up on (--give-up-after 1s); reconcile reports
// exactly those 40 as missed, by job and topic, and nothing else, exit 1; a window that ends before them finds nothing;
// --repair journals 40 events marked reconciled, a forwarder hands all 200 to an app in each job's history order,
// reconcile again finds nothing and adds nothing, and a late real delivery of a repaired change is a duplicate.
// Usage: node reconcile.mjs path/to/acx
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { acx, check, finish, quietPort, request, scratch, startAcx, waitFor } from "./lib.mjs";

const dir = scratch("reconcile");
const config = join(dir, "config.toml");
const journal = join(dir, "listen.db");
const run = (args) => spawnSync(acx, args, { encoding: "utf8" });
const lines = (text) => text.split("\n").filter(Boolean).map(JSON.parse);
const topics = ["job_created", "job_updated", "job.milestone.current_changed", "contact_added", "contact_changed"];

const s = await startAcx(dir, "sandbox", ["sandbox", "--port", "0", "--data-dir", join(dir, "sandbox"), "--api-key", "r",
  "--give-up-after", "1s", "--key-limit", "10000", "--address-limit", "10000"]);
const base = `http://127.0.0.1:${s.port}/webhooks/v2`;
const call = async (path, body) => JSON.parse((await request(s.port, { method: "POST", path,
  headers: { Authorization: "Bearer r" }, body: JSON.stringify(body) })).body);
const port = await quietPort();
const sub = run(["subscribe", "--url", `http://127.0.0.1:${port}/hooks`, ...topics.flatMap((t) => ["--topic", t]),
  "--contact", "dev@example.com", "--api-base", base, "--api-key", "r", "--config", config]);
check(sub.status === 0, `subscribe (${sub.stderr.trim()})`);
const listen = () => startAcx(dir, "listen", ["listen", "--profile", "default", "--config", config, "--port",
  String(port), "--journal", journal]);
const delivered = () => lines(run(["events", "list", "--journal", journal, "--format", "json"]).stdout).length;
const log = () => lines(run(["sandbox", "deliveries", "--format", "json", "--api-base", base, "--api-key", "r"]).stdout);
const since = new Date(Date.now() - 1000).toISOString();

// Up: 10 contacts, 20 jobs, each job to Prospect and updated twice, 10 contact changes (100 deliveries).
let l = await listen();
const contacts = [];
for (let i = 0; i < 10; i++) contacts.push((await call("/api/v2/contacts", { firstName: "R", lastName: `C${i}` })).id);
const jobs = [];
for (let i = 0; i < 20; i++) jobs.push((await call("/api/v2/jobs/Createjob", { contactId: contacts[i % 10] })).id);
for (const j of jobs) await call(`/_sandbox/jobs/${j}/milestone`, { milestone: "Prospect" });
for (let k = 0; k < 2; k++) for (const j of jobs) await call(`/_sandbox/jobs/${j}/update`, { set: [`jobName=Up ${k}`] });
for (const c of contacts) await call(`/_sandbox/contacts/${c}/update`, { set: ["lastName=Changed"] });
await waitFor(() => delivered() >= 100, 60, "100 deliveries while the listener is up");
const before = new Date().toISOString();

// Down: each job to Approved and updated (40 changes), given up on.
l.proc.kill("SIGTERM");
await waitFor(() => l.proc.exitCode !== null || l.proc.signalCode !== null, 20, "the listener to stop");
const missing = new Set();
for (const j of jobs) {
  await call(`/_sandbox/jobs/${j}/milestone`, { milestone: "Approved" });
  missing.add(`job:${j} job.milestone.current_changed`);
  await call(`/_sandbox/jobs/${j}/update`, { set: ["jobName=Down"] });
  missing.add(`job:${j} job_updated`);
}
await waitFor(() => log().filter((a) => /given up/.test(a.error)).length >= 40, 60, "40 deliveries given up");

// Up again: each job updated, to Completed, updated again (60 more: 200 changes in all).
l = await listen();
for (const j of jobs) {
  await call(`/_sandbox/jobs/${j}/update`, { set: ["jobName=Again"] });
  await call(`/_sandbox/jobs/${j}/milestone`, { milestone: "Completed" });
  await call(`/_sandbox/jobs/${j}/update`, { set: ["jobName=Last"] });
}
await waitFor(() => delivered() >= 160, 60, "160 deliveries in all");

const r = run(["reconcile", "--since", since, "--journal", journal, "--config", config, "--format", "json"]);
check(r.status === 1, `reconcile exits 1 when something was missed (${r.status}: ${r.stderr.trim()})`);
const out = lines(r.stdout);
const missed = out.filter((x) => x.kind === "missed").map((x) => `${x.subject} ${x.topic}`);
check(missed.length === 40 && missed.every((m) => missing.has(m)) && new Set(missed).size === 40,
  `exactly the 40 changes made while the listener was down are missed (${missed.length})`);
check(out.filter((x) => x.kind === "unexplained").length === 0, "no delivery unexplained");
const summary = out.find((x) => x.kind === "summary");
check(summary?.changes === 200 && summary?.matched === 160 && summary?.jobs === 20 && summary?.contacts === 10,
  `the summary: 200 changes, 160 matched (${JSON.stringify(summary)})`);
check(summary?.apiRequests >= 22 && summary?.apiRequests <= 30, `API requests spent: ${summary?.apiRequests}`);

const early = run(["reconcile", "--since", since, "--until", before, "--journal", journal, "--config", config]);
check(early.status === 0 && /0 missed/.test(early.stdout), `a window before the outage: nothing missed (${early.stdout.trim()})`);
const bad = run(["reconcile", "--since", before, "--until", since, "--journal", journal, "--config", config]);
check(bad.status === 2, "a window that ends before it starts is a usage error");

// --repair: SQLite's journal has one writer, so not while the listener runs; then 40 events, marked reconciled.
const busy = run(["reconcile", "--repair", "--since", since, "--journal", journal, "--config", config]);
check(busy.status === 4 && /--reconcile-repair/.test(busy.stderr), `--repair beside a listener says what to do (${busy.stderr.trim()})`);
l.proc.kill("SIGTERM");
await waitFor(() => l.proc.exitCode !== null || l.proc.signalCode !== null, 20, "the listener to stop");
const fix = run(["reconcile", "--repair", "--since", since, "--journal", journal, "--config", config, "--format", "json"]);
const fixed = lines(fix.stdout).find((x) => x.kind === "summary");
check(fix.status === 0 && fixed?.missed === 40 && fixed?.repaired === 40, `--repair journals 40 (${fix.status}: ${JSON.stringify(fixed)})`);
const all = lines(run(["events", "list", "--journal", journal, "--format", "json"]).stdout);
const marked = all.filter((e) => e.reconciled === true);
check(marked.length === 40 && marked.every((e) => missing.has(`${e.envelope.event.job ? "job:" + e.envelope.event.job.id : ""} ${e.topic}`)),
  `40 events in the journal marked reconciled, one per missed change (${marked.length})`);
check(marked.filter((e) => e.topic === "job.milestone.current_changed").every((e) => e.envelope.event.job.milestone.name === "Approved"),
  "a rebuilt milestone event names the milestone the history says");
check(/reconciled/.test(run(["events", "list", "--journal", journal]).stdout), "events list shows them as reconciled");
const again = run(["reconcile", "--repair", "--since", since, "--journal", journal, "--config", config, "--format", "json"]);
const second = lines(again.stdout).find((x) => x.kind === "summary");
check(again.status === 0 && second?.missed === 0 && second?.repaired === 0 && second?.matched === 200,
  `reconcile again: 0 missed, nothing added (${JSON.stringify(second)})`);

// A forwarder hands all 200 to an app, each job's events in the order of its history, the rebuilt ones marked.
const got = [];
const app = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    got.push({ e: JSON.parse(body), reconciled: req.headers["x-acx-reconciled"] === "1" });
    res.end("ok");
  });
});
await new Promise((ok) => app.listen(0, "127.0.0.1", ok));
l = await startAcx(dir, "listen", ["listen", "--profile", "default", "--config", config, "--port", String(port),
  "--journal", journal, "--forward-to", `http://127.0.0.1:${app.address().port}/app`, "--forward-from", "start"]);
await waitFor(() => got.length >= 200, 60, "200 events forwarded");
const inOrder = jobs.every((j) => {
  const times = got.filter((g) => g.e.event.job?.id === j).map((g) => Date.parse(g.e.eventDateTime));
  return times.length === 9 && times.every((t, i) => i === 0 || times[i - 1] <= t);
});
check(got.length === 200 && inOrder, `each job's 9 events reach the app in the order of its history (${got.length})`);
check(got.filter((g) => g.reconciled).length === 40, "the 40 rebuilt ones carry X-Acx-Reconciled: 1");

// A real delivery of a repaired change, arriving afterwards (AccuLynx's own eventId and time): a duplicate.
const history = JSON.parse(run(["api", "get", `/jobs/${jobs[0]}/history`, "--api-base", base, "--api-key", "r"]).stdout);
const moved = history.items.find((h) => h.action === "MilestoneChanged" && /Approved/.test(h.description));
const late = { topicName: "job.milestone.current_changed", eventDateTime: moved.date, eventId: randomUUID(),
  subscriptionId: "", event: { job: { id: jobs[0], milestone: { id: 3, name: "Approved", isCurrent: true } } } };
writeFileSync(join(dir, "late.json"), JSON.stringify(late));
const sent = run(["send", join(dir, "late.json"), "--profile", "default", "--config", config, "--keep-ids", "--format", "json"]);
check(sent.status === 0 && /"status":"duplicate"/.test(lines(sent.stdout)[0]?.attempts?.[0]?.body),
  `the late delivery is answered as a duplicate (${sent.stdout.trim()} ${sent.stderr.trim()})`);
const shown = JSON.parse(run(["events", "show", late.eventId, "--journal", journal, "--format", "json"]).stdout || "{}");
const kept = all.filter((e) => e.reconciled && e.topic === late.topicName && e.envelope.event.job.id === jobs[0]);
check(shown.status === "duplicate" && kept.length === 1, `recorded as a duplicate (${shown.status})`);
const line = run(["events", "list", "--journal", journal, "--format", "json"]).stdout.split("\n").filter(Boolean)
  .map(JSON.parse).find((e) => e.eventId === late.eventId);
check(line?.status === "duplicate", "of the rebuilt event");
await call(`/_sandbox/jobs/${jobs[0]}/update`, { set: ["jobName=After"] }); // a new change, forwarded behind it
await waitFor(() => got.length >= 201, 60, "the next change forwarded");
check(got.length === 201 && !got.some((g) => g.e.eventId === late.eventId), "and the duplicate is not forwarded");
l.proc.kill("SIGTERM");
app.close();

// ---- In the listener: --reconcile-every with --reconcile-repair, on a journal that missed everything above (201
// changes): the first pass repairs them all, the next finds nothing; /healthz?verbose and /metrics say so. --canary:
// a test event asked for every 5 s, timed to its arrival (each has those 5 s to arrive: with 1 s, one that the first
// pass's 201 repairs held up was counted lost on a busy machine).
{
  const sched = await startAcx(dir, "sched", ["listen", "--profile", "default", "--config", config, "--port",
    String(port), "--journal", join(dir, "sched.db"), "--reconcile-every", "2s", "--reconcile-window", "1h",
    "--reconcile-repair", "--canary", "5s", "--relay-token", "tttttttttttttttttttt"]);
  const metric = async (name) => Number(new RegExp(`^${name} (\\S+)$`, "m")
    .exec((await request(sched.port, { method: "GET", path: "/metrics" })).body)?.[1] ?? NaN);
  // The newest change may fall in a pass's last second (left for deliveries on their way) and wait for the next.
  await waitFor(async () => (await metric("acx_reconcile_repaired_total")) >= 201 &&
    (await metric("acx_reconcile_last_missed")) === 0, 60, "the passes to repair all and then find nothing");
  check((await metric("acx_reconcile_repaired_total")) === 201, `the passes repaired the 201 changes (${await metric("acx_reconcile_repaired_total")})`);
  check((await metric("acx_reconcile_missed_total")) === 201, "acx_reconcile_missed_total: 201");
  const verbose = (await request(sched.port, { method: "GET", path: "/healthz?verbose",
    headers: { Authorization: "Bearer tttttttttttttttttttt" } })).body;
  check(/^ok\n/.test(verbose) && /reconcile: last at .*: 201 changes in the last 1h, 0 missed, 0 repaired/.test(verbose),
    `/healthz?verbose shows the last pass (${verbose.trim()})`);
  check(/reconcile: (200|201) of 20\d changes in the last 1h were never delivered; (200|201) repaired/.test(sched.stderr()),
    `the log says what the first pass found and repaired (${sched.stderr()})`);
  const repaired = lines(run(["events", "list", "--journal", join(dir, "sched.db"), "--format", "json"]).stdout)
    .filter((e) => e.reconciled).length;
  check(repaired === 201, `201 reconciled events in its journal (${repaired})`);
  await waitFor(async () => (await metric("acx_canary_seconds")) >= 0, 30, "a canary test event timed");
  check((await metric("acx_canary_seconds")) < 10 && (await metric("acx_canary_lost_total")) === 0,
    `acx_canary_seconds: ${await metric("acx_canary_seconds")}`);
  sched.proc.kill("SIGTERM");
  await waitFor(() => sched.proc.exitCode !== null || sched.proc.signalCode !== null, 20, "the listener to stop");
}

// ---- A subscription that goes quiet: disabled in the sandbox, /healthz says so within the watch interval (503 with
// --strict-health), once, and is well again when it is enabled.
{
  const id = /subscription ([0-9a-f-]{36})/.exec(sub.stdout)?.[1]; // subscribe's first line
  const w = await startAcx(dir, "watch", ["listen", "--profile", "default", "--config", config, "--port", "0",
    "--journal", join(dir, "watch.db"), "--watch-subscription", "1s", "--strict-health"]);
  const health = async () => request(w.port, { method: "GET", path: "/healthz" });
  await waitFor(async () => (await health()).body === "ok\n", 20, "a healthy listener");
  const off = run(["sandbox", "subscription", "disable", id, "--api-base", base, "--api-key", "r"]);
  check(off.status === 0, `acx sandbox subscription disable (${off.stderr.trim()})`);
  await waitFor(async () => (await health()).status === 503, 20, "/healthz to say so");
  check((await health()).body === "not ok: a subscription is not enabled\n", "503: a subscription is not enabled");
  const metrics = (await request(w.port, { method: "GET", path: "/metrics" })).body;
  check(/acx_subscriptions_not_enabled 1/.test(metrics), "and /metrics counts it");
  run(["sandbox", "subscription", "enable", id, "--api-base", base, "--api-key", "r"]);
  await waitFor(async () => (await health()).status === 200, 20, "/healthz well again");
  check((w.stderr().match(/is disabled: AccuLynx sends nothing/g) ?? []).length === 1, "said once on stderr");
  w.proc.kill("SIGTERM");
}

// ---- --drop 0.05 with a seed over 500 changes: reconcile finds exactly the dropped ones (a profile of job topics:
// the contact the jobs need sends contact_added, which this subscription does not take, so it is not expected).
{
  const d = await startAcx(dir, "drop", ["sandbox", "--port", "0", "--data-dir", join(dir, "drop"), "--api-key", "d",
    "--drop", "0.05", "--seed", "7", "--key-limit", "10000", "--address-limit", "10000"]);
  const dbase = `http://127.0.0.1:${d.port}/webhooks/v2`;
  const dcall = async (path, body) => JSON.parse((await request(d.port, { method: "POST", path,
    headers: { Authorization: "Bearer d" }, body: JSON.stringify(body) })).body);
  const dport = await quietPort();
  const jobTopics = ["job_created", "job_updated", "job.milestone.current_changed"];
  const dsub = run(["subscribe", "--url", `http://127.0.0.1:${dport}/hooks`, ...jobTopics.flatMap((t) => ["--topic", t]),
    "--contact", "dev@example.com", "--api-base", dbase, "--api-key", "d", "--config", config, "--profile", "drop"]);
  check(dsub.status === 0, `subscribe drop (${dsub.stderr.trim()})`);
  const djournal = join(dir, "drop.db");
  const dl = await startAcx(dir, "droplisten", ["listen", "--profile", "drop", "--config", config, "--port",
    String(dport), "--journal", djournal]);
  const dsince = new Date(Date.now() - 1000).toISOString();
  const contact = (await dcall("/api/v2/contacts", { firstName: "D" })).id;
  const djobs = [];
  for (let i = 0; i < 50; i++) djobs.push((await dcall("/api/v2/jobs/Createjob", { contactId: contact })).id);
  const names = ["Prospect", "Approved", "Completed", "Invoiced"];
  for (let i = 0; i < 225; i++) {
    await dcall(`/_sandbox/jobs/${djobs[i % 50]}/milestone`, { milestone: names[i % 4] });
    await dcall(`/_sandbox/jobs/${djobs[(i * 7) % 50]}/update`, { set: [`jobName=J${i}`] });
  }
  const dlog = () => lines(run(["sandbox", "deliveries", "--format", "json", "--api-base", dbase, "--api-key", "d"])
    .stdout);
  await waitFor(() => dlog().filter((a) => a.status === 200 || /dropped/.test(a.error)).length >= 500, 120,
    "500 deliveries sent or dropped");
  const sent = dlog().filter((a) => a.status === 200).length;
  await waitFor(() => lines(run(["events", "list", "--journal", djournal, "--format", "json"]).stdout).length >= sent,
    60, "the sent ones in the journal");
  const dropped = dlog().filter((a) => /dropped/.test(a.error)).map((a) => `${a.error.split(": ").pop()} ${a.topic}`)
    .sort();
  const r2 = run(["reconcile", "--profile", "drop", "--since", dsince, "--journal", djournal, "--config", config,
    "--format", "json"]);
  const found = lines(r2.stdout).filter((x) => x.kind === "missed").map((x) => `${x.subject} ${x.topic}`).sort();
  check(dropped.length > 0 && dropped.length < 60, `--drop 0.05 lost ${dropped.length} of 500`);
  check(JSON.stringify(found) === JSON.stringify(dropped), `reconcile finds exactly the dropped ones (${found.length})`);
  check(r2.status === 1, "and exits 1");
  const dsum = lines(r2.stdout).find((x) => x.kind === "summary");
  check(dsum?.changes === 500 && dsum?.unexplained === 0, `500 changes of the profile's topics, none unexplained (${JSON.stringify(dsum)})`);
  dl.proc.kill("SIGTERM");
}
finish();
