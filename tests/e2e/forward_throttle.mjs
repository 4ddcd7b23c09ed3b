// A consumer's rate limit and circuit breaker: 200 events at 20/s take at least 9 s and arrive in order; an app down
// for 30 s opens the breaker (said once, on /healthz and /metrics), sees only the half-open probes, one at a time,
// while it is down, and gets everything once it is back, each job's events in order.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acx, check, finish, scratch, startAcx, startListener, request, waitFor, exited, SCALE } from "./lib.mjs";
import { event, post, startApp } from "./apps.mjs";

const dir = scratch("forward-throttle");

// Each job's first arrivals in journal order.
function inOrder(app, events) {
  const job = new Map(events.map((e) => [e.id, e.job]));
  const seen = new Set();
  const last = new Map();
  for (const g of app.got) {
    if (g.status !== 200 || seen.has(g.id)) continue;
    seen.add(g.id);
    const j = job.get(g.id);
    if (last.has(j) && last.get(j) > g.seq) return false;
    last.set(j, g.seq);
  }
  return true;
}

// 1. 200 events at 20/s (a burst of 20, then one every 50 ms): >= 9 s from the first to the last.
{
  const app = await startApp();
  const l = await startListener(dir, "rate", ["--forward-to", app.url, "--forward-rate", "20/s"]);
  const events = Array.from({ length: 200 }, (_, i) => event(i % 10, i));
  const began = Date.now();
  await post(l.port, events);
  await waitFor(() => app.got.length === 200, 120, "200 forwards");
  const times = app.got.map((g) => g.at);
  const span = (times[times.length - 1] - began) / 1000;
  check(span >= 9, `200 events at 20/s took ${span.toFixed(2)} s (>= 9 s)`);
  let most = 0;
  for (let i = 0; i < times.length; i++) {
    let j = i;
    while (j < times.length && times[j] - times[i] < 1000) j++;
    most = Math.max(most, j - i);
  }
  // The bucket lets at most 20 + 20 * T start in any T seconds; arrivals lag their starts by a jitter of their own
  // (up to a second here, SCALE times that under a sanitizer), so a second of arrivals may hold 20 * (1 + jitter) more.
  const bound = 20 + 20 * (1 + SCALE);
  check(most <= bound, `no second held more than the burst and the rate allow (${most} <= ${bound}; 200 without a limit)`);
  check(inOrder(app, events) && new Set(app.got.map((g) => g.id)).size === 200, "every event once, each job's in order");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await app.stop();
}

// 2. The app answers 503 for 30 s: the breaker opens after 5 failures in a row and lets one attempt through every 3 s.
{
  let down = true;
  const app = await startApp({ answer: () => (down ? 503 : 200) });
  const l = await startListener(dir, "breaker", ["--forward-to", app.url, "--forward-breaker", "5",
    "--forward-breaker-cooldown", "3s"]);
  const downAt = Date.now();
  const events = Array.from({ length: 40 }, (_, i) => event(i % 4, i));
  await post(l.port, events);
  await waitFor(() => /circuit open after 5 failed attempts/.test(l.stderr()), 30, "the circuit to open");
  const openAt = Date.now();
  const health = await request(l.port, { method: "GET", path: "/healthz" });
  check(/degraded: a consumer's circuit is open/.test(health.body), `/healthz says the circuit is open (${health.body.trim()})`);
  const metrics = (await request(l.port, { method: "GET", path: "/metrics" })).body;
  check(/acx_forward_circuit_open\{[^}]*\} 1/.test(metrics) && /acx_forward_circuit_opened_total\{[^}]*\} 1/.test(metrics),
    "/metrics: the circuit is open, opened once");
  // acx events stats and the inspect page read it from the journal.
  const stats = spawnSync(acx, ["events", "stats", "--journal", join(dir, "breaker.db"), "--format", "json"],
    { encoding: "utf8" }).stdout.split("\n").filter((x) => x.includes('"consumer"')).map((x) => JSON.parse(x));
  check(stats.length === 1 && /^20\d\d-/.test(stats[0].circuitOpenSince), `events stats: circuit open since (${JSON.stringify(stats)})`);
  const ins = await startAcx(dir, "inspect", ["inspect", "--journal", join(dir, "breaker.db"), "--port", "0"]);
  const url = readFileSync(join(dir, "inspect.ready"), "utf8").trim();
  const cookie = (await fetch(url, { redirect: "manual" })).headers.get("set-cookie").split(";")[0];
  const page = await (await fetch(url.split("?")[0], { headers: { cookie } })).text();
  check(/circuit open since 20/.test(page), "the inspect page says the circuit is open");
  ins.proc.kill("SIGTERM");
  await exited(ins.proc);
  await waitFor(() => Date.now() - downAt >= 30_000, 40, "30 s of the app down");
  const upAt = Date.now();
  const during = app.got.filter((g) => g.at > openAt + 500 && g.at < upAt);
  const most = Math.floor((upAt - openAt) / 3000) + 1;
  check(during.length >= 1 && during.length <= most,
    `while open the app saw only the probes: ${during.length} in ${((upAt - openAt) / 1000).toFixed(1)} s (1 to ${most})`);
  check(during.every((g, i) => i === 0 || g.at - during[i - 1].at >= 2000), "the probes came one per cool-down (3 s, less jitter)");
  down = false;
  await waitFor(() => new Set(app.accepted().map((g) => g.id)).size === 40, 60, "every event once the app is back");
  check(inOrder(app, events), "each job's events in journal order");
  await waitFor(() => /circuit closed: it answers again/.test(l.stderr()), 10, "the circuit to close");
  check((l.stderr().match(/circuit open after/g) ?? []).length === 1, "the opening is said once");
  const after = spawnSync(acx, ["events", "stats", "--journal", join(dir, "breaker.db"), "--format", "json"],
    { encoding: "utf8" }).stdout;
  check(/"circuitOpenSince":""/.test(after), "events stats: closed again");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await app.stop();
}

finish();
