// acx check against reference receivers: the correct one passes, each defective one fails exactly the checks its
// defect breaks, and each reproduction it prints gets the same answers; acx listen passes every required check for
// each scheme; --processed, exit codes, JSON and JUnit.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acx, check, finish, scratch, startListener, SCALE } from "./lib.mjs";
import { reproductions, startReceiver } from "./receivers.mjs";

const dir = scratch("check");
const TOKEN = "t0k3n-for-the-check-tests";
const WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SUB = "6bf46c69-7d2c-4f82-aeea-cbe226e87555";
// Short enough that the slow receiver's timeouts keep the test brief, long enough for the sanitised build.
const TIMEOUT = `${4 * SCALE}s`;
const SLOW_MS = 6000 * SCALE;

// Runs acx (without blocking the event loop: the receivers live in this process); resolves {code, out, err}.
function run(args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(acx, args, { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => resolve({ code, out, err }));
  });
}

const ALL = ["every-topic", "fast-answers", "duplicates", "out-of-order", "unknown-topic", "tolerant-reader",
  "missing-credential",
  "wrong-credential", "tampered-body", "timestamps", "malformed-input", "oversized-body", "other-methods",
  "no-redirects", "still-serving", "legacy-envelope", "rotated-secrets", "content-type", "transport",
  "subscription-allow-list"];
const SKIPPED = { token: ["tampered-body", "timestamps", "rotated-secrets"], standard: [] };

// The verdict of every check a receiver with `mode` should get: fail for `failing`, warn for `warning`, skip for
// what the scheme cannot carry, pass for the rest.
function expected(scheme, failing, warning = []) {
  const out = {};
  for (const id of ALL) {
    out[id] = failing.includes(id) ? "fail" : warning.includes(id) ? "warn" : SKIPPED[scheme].includes(id) ? "skip" : "pass";
  }
  return out;
}

async function judge(mode, scheme, failing, warning = [], extra = []) {
  const secret = scheme === "token" ? TOKEN : WHSEC;
  const r = await startReceiver(mode, { scheme, secret, subscription: SUB, slowMs: SLOW_MS, inlineMs: 200 * SCALE });
  const res = await run(["check", r.url, "--scheme", scheme, "--secret", secret, "--subscription", SUB,
    "--timeout", TIMEOUT, "--format", "json", ...extra.map((a) => a.replace("PORT", r.port))]);
  let report;
  try {
    report = JSON.parse(res.out);
  } catch {
    check(false, `${mode}: acx check printed JSON (exit ${res.code}): ${res.out.slice(0, 200)} ${res.err.slice(0, 300)}`);
    await r.close();
    return null;
  }
  // Every printed reproduction, run against the same receiver, gets the answers the check saw.
  await reproductions(dir, report, secret, `${mode} (${scheme})`);
  await r.close();
  const want = expected(scheme, failing, warning);
  const got = Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
  for (const id of ALL) {
    const c = report.checks.find((x) => x.id === id);
    check(got[id] === want[id], `${mode} (${scheme}): ${id} is ${want[id]}, got ${got[id]}: ${c?.detail}`);
  }
  check(res.code === (failing.length ? 1 : 0), `${mode}: exit ${failing.length ? 1 : 0}, got ${res.code}`);
  check(report.summary.failed === failing.length, `${mode}: summary counts ${failing.length} failed`);
  for (const c of report.checks.filter((x) => x.verdict === "fail")) {
    check(c.reproduce.length > 0 && c.requests.length > 0, `${mode}: ${c.id} says what was sent and how to reproduce it`);
    check(!c.reproduce.includes(secret) && !JSON.stringify(c.requests).includes(secret),
      `${mode}: ${c.id} does not show the secret`);
  }
  return report;
}

// The correct receiver passes; each defect fails exactly the checks it breaks.
const good = await judge("correct", "token", []);
check(good?.url.includes("token") === false && good?.scheme === "token", "the report names the URL (no token) and scheme");
await judge("correct", "standard", []);
await judge("not-idempotent", "token", ["duplicates"]);
await judge("ignores-token", "token", ["missing-credential", "wrong-credential"]);
await judge("ignores-timestamp", "standard", ["timestamps"]);
await judge("slow", "token", ["fast-answers"]);
await judge("refuses-unknown", "token", ["unknown-topic"]);
await judge("500-on-malformed", "token", ["malformed-input"]);
await judge("200-to-get", "token", ["other-methods"]);
// A receiver that redirects every delivery accepts none (no sender follows a redirect): the setup says so, the checks
// that need an accepted delivery (no-redirects among them) are inconclusive, and acx check exits 1.
{
  const r = await startReceiver("redirects", { scheme: "token", secret: TOKEN, subscription: SUB });
  const res = await run(["check", r.url, "--secret", TOKEN, "--subscription", SUB, "--timeout", TIMEOUT,
    "--format", "json"]);
  await r.close();
  const report = JSON.parse(res.out);
  check(res.code === 1 && report.setup.accepted === false && /got 308 .*follows no redirect/.test(report.setup.problem),
    `a redirecting receiver's setup is not accepted: ${res.code} ${JSON.stringify(report.setup)}`);
  const verdict = (id) => report.checks.find((c) => c.id === id)?.verdict;
  for (const id of ["every-topic", "duplicates", "out-of-order", "no-redirects"]) {
    check(verdict(id) === "inconclusive", `${id} is inconclusive without an accepted delivery: ${verdict(id)}`);
  }
}

// --processed: a receiver that answers copies with 200 but processes each one fails; the correct one passes.
const processed = ["--processed", "curl -sf http://127.0.0.1:PORT/processed?id=$ACX_EVENT_ID", "--only", "duplicates"];
{
  const r = await startReceiver("no-dedup", { secret: TOKEN });
  const res = await run(["check", r.url, "--secret", TOKEN, "--format", "json", "--timeout", TIMEOUT,
    ...processed.map((a) => a.replace("PORT", r.port))]);
  await r.close();
  const c = JSON.parse(res.out).checks[0];
  check(res.code === 1 && c.id === "duplicates" && c.verdict === "fail" && /processed 6 times/.test(c.detail),
    `--processed catches a receiver that processes copies: ${res.code} ${c.detail}`);
}
{
  const r = await startReceiver("correct", { secret: TOKEN });
  const res = await run(["check", r.url, "--secret", TOKEN, "--format", "json", "--timeout", TIMEOUT,
    ...processed.map((a) => a.replace("PORT", r.port))]);
  await r.close();
  const c = JSON.parse(res.out).checks[0];
  check(res.code === 0 && c.verdict === "pass" && /processed once/.test(c.detail), `--processed: once is a pass: ${c.detail}`);
  const plain = await startReceiver("no-dedup", { secret: TOKEN });
  const without = await run(["check", plain.url, "--secret", TOKEN, "--format", "json", "--only", "duplicates"]);
  await plain.close();
  check(without.code === 0 && /only the status was checked/.test(JSON.parse(without.out).checks[0].detail),
    "without --processed, duplicates says only the status was checked");
}

// JUnit: well-formed XML, one testcase per check, a failure element where a check failed; the table stays on stdout.
{
  const r = await startReceiver("not-idempotent", { secret: TOKEN, subscription: SUB });
  const xml = join(dir, "check.xml");
  const res = await run(["check", r.url, "--secret", TOKEN, "--subscription", SUB, "--format", "junit", "--output", xml,
    "--timeout", TIMEOUT]);
  await r.close();
  check(res.code === 1, `junit run exits 1 (a failure), got ${res.code}`);
  check(/FAIL\s+required\s+duplicates/.test(res.out), `the table stays on the terminal: ${res.out.slice(0, 200)}`);
  const lint = (expr) => spawnSync("xmllint", ["--xpath", expr, xml], { encoding: "utf8" });
  check(spawnSync("xmllint", ["--noout", xml]).status === 0, "the JUnit report is well-formed XML");
  check(lint("count(//testsuite/testcase)").stdout.trim() === "20", "20 testcases");
  check(lint("string(//testcase[failure]/@name)").stdout.trim() === "duplicates", "the failure is duplicates'");
  check(lint("count(//testcase[skipped])").stdout.trim() === "3", "three skipped (token scheme)");
  check(lint("string(//testsuite/@failures)").stdout.trim() === "1", "testsuite failures=1");
  check(!readFileSync(xml, "utf8").includes(TOKEN), "the JUnit report does not show the token");
}
// Answers are untrusted: invalid UTF-8, control characters and markup in them leave every report well-formed.
{
  const r = await startReceiver("500-on-malformed", { secret: TOKEN });
  const xml = join(dir, "hostile.xml");
  const junit = await run(["check", r.url, "--secret", TOKEN, "--only", "malformed-input", "--format", "junit",
    "--output", xml]);
  const json = await run(["check", r.url, "--secret", TOKEN, "--only", "malformed-input", "--format", "json"]);
  const text = await run(["check", r.url, "--secret", TOKEN, "--only", "malformed-input", "--format", "text"]);
  await r.close();
  check(junit.code === 1 && spawnSync("xmllint", ["--noout", xml]).status === 0, "a hostile answer: JUnit well-formed");
  let parsed = null;
  try {
    parsed = JSON.parse(json.out);
  } catch {}
  check(parsed?.checks[0].requests.some((q) => q.status === 500 && q.answer.includes("<b>")),
    `a hostile answer: the JSON report parses and quotes it: ${json.out.slice(0, 300)}`);
  check(!text.out.includes("\x1b") && !text.out.includes("\0") && text.out.includes("\\x1b"),
    `a hostile answer: escaped on the terminal: ${text.out.slice(0, 400)}`);
}

// acx holds itself to its own rules: acx listen passes every required check, for each scheme.
for (const [scheme, secret] of [["token", TOKEN], ["standard", WHSEC], ["svix", WHSEC], ["hmac", "a".repeat(64)],
  ["github", "b".repeat(64)], ["shopify", "c".repeat(64)], ["none", null]]) {
  const secretArgs = secret ? ["--secret", secret] : [];
  const l = await startListener(dir, `listen-${scheme}`, ["--scheme", scheme, ...secretArgs, "--subscription", SUB]);
  const res = await run(["check", `http://127.0.0.1:${l.port}/webhooks/acculynx`, "--scheme", scheme, ...secretArgs,
    "--subscription", SUB, "--format", "json"]);
  l.proc.kill("SIGTERM");
  const report = JSON.parse(res.out);
  const failed = report.checks.filter((c) => c.verdict === "fail" || c.verdict === "warn");
  check(res.code === 0 && failed.length === 0,
    `acx listen --scheme ${scheme} passes acx check: ${failed.map((c) => `${c.id}: ${c.detail}`).join("; ")}`);
}

// Exit codes and the list.
{
  const dead = await run(["check", "http://127.0.0.1:1/hook", "--secret", TOKEN]);
  check(dead.code === 5 && /cannot reach/.test(dead.err), `an unreachable receiver exits 5: ${dead.code} ${dead.err}`);
  const usage = await run(["check", "http://127.0.0.1:1/hook", "--only", "duplicate"]);
  check(usage.code === 2 && /did you mean 'duplicates'/.test(usage.err), `a mistyped check id: ${usage.err}`);
  const nourl = await run(["check"]);
  check(nourl.code === 2 && /give the receiver's URL/.test(nourl.err), `no URL: ${nourl.err}`);
  const list = await run(["check", "--list"]);
  check(list.code === 0 && ALL.every((id) => list.out.includes(id)), "--list names every check");
  const listJson = (await run(["check", "--list", "--format", "json"])).out.trim().split("\n").map((l) => JSON.parse(l));
  check(listJson.length === ALL.length && listJson.every((c) => c.level && c.rule && c.source), "--list --format json");
}

finish();
