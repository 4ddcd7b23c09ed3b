// AccuLynx's limits in the sandbox, and acx's one budget under them: 12 requests in a second with one key get 429s
// (exactly those past 10, by the sandbox's own count); 31 in a second from one address over three keys ban it, and
// every request until the ban ends is answered 429, without Retry-After; four acx processes asking 100 requests each
// at once never exceed 8 a second for a key nor 25 for the address, and get no ban; an acx that meets a ban waits it
// out and succeeds.
// Usage: node api_budget.mjs path/to/acx
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { acx, check, finish, request, scratch, sleep, startAcx, waitFor } from "./lib.mjs";

const dir = scratch("api-budget");
const parse = (text) => { try { return JSON.parse(text); } catch { return null; } };
// How both sides name a key: "key-" and the first 8 hex digits of its SHA-256.
const label = (key) => "key-" + createHash("sha256").update(key).digest("hex").slice(0, 8);

// An acx command that does not block this process (which answers for nothing, but keeps its clock for the test).
function run(args) {
  return new Promise((resolve) => {
    const began = Date.now();
    const p = spawn(acx, args);
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("exit", (status) => resolve({ status, stdout, stderr, seconds: (Date.now() - began) / 1000 }));
  });
}

async function sandbox(name, args) {
  const s = await startAcx(dir, name, ["sandbox", "--port", "0", "--data-dir", join(dir, name), ...args]);
  s.base = `http://127.0.0.1:${s.port}/webhooks/v2`;
  s.call = async (key, path, { method = "GET", body } = {}) => {
    const a = await request(s.port, { method, path, headers: { Authorization: `Bearer ${key}` },
      body: body === undefined ? "" : JSON.stringify(body) });
    return { ...a, json: parse(a.body) };
  };
  s.usage = async () => (await s.call("k1", "/_sandbox/usage")).json;
  return s;
}
const ping = (s, key) => s.call(key, "/api/v2/diagnostics/ping");
// Until a second of the clock has just begun, so that a burst sent now falls in one second.
const secondStart = () => waitFor(() => Date.now() % 1000 < 150, 5, "the start of a second");

// ---- The limits, as AccuLynx enforces them (a 3 s ban, for the test's sake).
{
  const s = await sandbox("limits", ["--api-key", "k1", "--api-key", "k2", "--api-key", "k3", "--ban", "3s"]);
  const k1 = label("k1");
  let refused = [];
  for (let i = 0; i < 10; i++) {
    await secondStart();
    const answers = await Promise.all(Array.from({ length: 12 }, () => ping(s, "k1")));
    refused.push(...answers.filter((a) => a.status === 429));
    if ((await s.usage()).seconds.some((x) => x.keys[k1] > 10)) break;
  }
  const seconds = (await s.usage()).seconds;
  const past = seconds.reduce((n, x) => n + Math.max(0, (x.keys[k1] ?? 0) - 10), 0);
  check(seconds.some((x) => x.keys[k1] > 10), "a second saw more than 10 requests with one key");
  check(refused.length === past && past > 0, `exactly the requests past 10 a second were 429 (${refused.length} of ${past})`);
  check(refused.every((a) => a.json?.status === 429 && /this API key/.test(a.json?.detail)), "problem details say why");
  check(refused.every((a) => a.headers["retry-after"] === undefined), "no Retry-After, as AccuLynx documents none");
  check((await s.usage()).bans.length === 0, "no ban for one key's excess");

  let ban = null;
  let burstAt = 0;
  for (let i = 0; i < 10 && !ban; i++) {
    await secondStart();
    burstAt = Date.now();
    const keys = [...Array(10).fill("k1"), ...Array(10).fill("k2"), ...Array(11).fill("k3")];
    await Promise.all(keys.map((k) => ping(s, k)));
    ban = (await s.usage()).bans[0] ?? null;
  }
  check(ban !== null, "31 in a second from one address over three keys: a ban");
  check(ban && ban.untilMs >= burstAt + 3000 - 5, "for --ban 3s");
  const probes = [];
  while (ban && Date.now() < ban.untilMs) {
    const key = ["k1", "k2", "k3"][probes.length % 3];
    const a = await ping(s, key);
    probes.push({ status: a.status, answered: Date.now(), detail: a.json?.detail, retryAfter: a.headers["retry-after"] });
    await sleep(100); // pacing the probes, not waiting for anything
  }
  const during = probes.filter((p) => p.answered < ban.untilMs);
  check(during.length >= 5 && during.every((p) => p.status === 429 && /banned/.test(p.detail)),
    `every request during the ban answered 429, whatever its key (${during.length} probes)`);
  check(during.every((p) => p.retryAfter === undefined), "no Retry-After during the ban either");
  await waitFor(() => Date.now() > ban.untilMs, 10, "the ban's end");
  check((await ping(s, "k1")).status === 200, "after the ban, 200 again");

  // acx meets a ban: it waits, says so once, and succeeds.
  for (let i = 0; i < 10 && (await s.usage()).bans.length < 2; i++) {
    await secondStart();
    await Promise.all(Array.from({ length: 31 }, (_, j) => ping(s, ["k1", "k2", "k3"][j % 3])));
  }
  const second = (await s.usage()).bans[1];
  check(second !== undefined, "a second ban");
  const left = second ? second.untilMs - Date.now() : 0;
  const r = await run(["api", "get", "/diagnostics/ping", "--api-base", s.base, "--api-key", "k2"]);
  check(r.status === 0 && /pong/.test(r.stdout), `acx waits the ban out and succeeds (${r.stderr.trim()})`);
  check(r.stderr.split("answered 429").length === 2, "and says so on stderr once");
  check(r.seconds * 1000 >= left - 100, `it waited the ban's remaining ${left} ms (${r.seconds} s)`);
  check(/any key from this machine/.test(r.stderr), "a ban of the address pauses every key");
  s.proc.kill("SIGTERM");
}

// ---- The budget: four processes at once, 100 requests each.
{
  const keys = ["A", "B", "C", "D"];
  const prep = await sandbox("budget", [...keys.flatMap((k) => ["--api-key", k]), "--key-limit", "10000",
    "--address-limit", "10000"]);
  for (const k of keys) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => prep.call(k, "/api/v2/contacts", { method: "POST",
      body: { firstName: `${k}${i}` } })));
  }
  prep.proc.kill("SIGTERM");
  await waitFor(() => prep.proc.exitCode !== null || prep.proc.signalCode !== null, 20, "the set-up sandbox to stop");
  // The same state, AccuLynx's limits, and its 30 s ban: a ban would fail the run.
  const s = await sandbox("budget", [...keys.flatMap((k) => ["--api-key", k]), "--api-key", "k1"]);
  const get = (key, size) => run(["api", "get", `/contacts?pageSize=${size}`, "--paginate", "--api-base", s.base,
    "--api-key", key]);
  const phase1 = await Promise.all([get("A", 1), get("A", 1), get("B", 1), get("C", 1)]);
  check(phase1.every((r) => r.status === 0 && r.stdout.trim().split("\n").length === 100),
    `four processes (two on one key) each read 100 contacts a page at a time (${phase1.map((r) => r.status)}: ` +
    `${phase1.map((r) => r.stderr.trim()).join(" | ")})`);
  const phase2 = await Promise.all(keys.map((k) => get(k, 2)));
  check(phase2.every((r) => r.status === 0 && r.stdout.trim().split("\n").length === 100),
    "four processes on four keys, 50 requests each");
  const usage = await s.usage();
  const perKey = Math.max(...usage.seconds.flatMap((x) => Object.values(x.keys)));
  const perAddress = Math.max(...usage.seconds.flatMap((x) => Object.values(x.addresses)));
  const total = usage.seconds.reduce((n, x) => n + Object.values(x.addresses).reduce((a, b) => a + b, 0), 0);
  check(total === 600, `the sandbox counted the 600 requests (${total})`);
  console.log(`budget: busiest second ${perKey} for one key, ${perAddress} for the address; phase 1 took ` +
    `${Math.max(...phase1.map((r) => r.seconds))} s, phase 2 ${Math.max(...phase2.map((r) => r.seconds))} s`);
  check(perKey <= 8, `never more than 8 a second with one key (at most ${perKey})`);
  check(perAddress <= 25, `never more than 25 a second from the address (at most ${perAddress})`);
  check(perAddress >= 20, `and the machine's budget was used (${perAddress} in the busiest second)`);
  check(usage.bans.length === 0, "no ban");
  check([...phase1, ...phase2].every((r) => !/429/.test(r.stderr)), "and no 429");
  const mine = await run(["api", "usage", "--api-key", "A", "--format", "json"]);
  const a = parse(mine.stdout)?.keys?.find((k) => k.yours && k.key === label("A"));
  check(a && a.lastMinute > 0 && parse(mine.stdout).perKey === 8 && parse(mine.stdout).perMachine === 25,
    "acx api usage: the budget and what key A spent in the last minute");
  const text = await run(["api", "usage", "--api-key", "A"]);
  check(/8 requests a second per key, 25 from this machine/.test(text.stdout) && !/\bA\b.*\(yours\)/.test(text.stdout),
    "in text, and the key itself never shown");
  const high = await run(["api", "usage", "--api-rate", "11"]);
  check(high.status === 2, "--api-rate above AccuLynx's 10 is refused");
  s.proc.kill("SIGTERM");
}

finish();
