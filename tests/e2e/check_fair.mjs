// acx check's verdicts are fair, and its reproductions reproduce: a receiver that refuses every valid delivery gets a
// setup message and no verdict that depends on acceptance (inconclusive, never a pass); a refused control makes a
// negative check inconclusive; a refusal hidden behind a 200 and a 500 to a bad credential fail for their own
// reasons; 501 and a 2xx to a validly signed malformed or oversized body warn; checks not run because the receiver
// went silent are counted apart (exit 6); Ctrl-C prints the report of what ran (exit 130). Every printed reproduction, run by a shell against the same
// receiver, gets the answer class the check saw.
import { acx, check, finish, scratch, waitFor, SCALE } from "./lib.mjs";
import { reproductions as reproduced, spawned, startReceiver } from "./receivers.mjs";

const dir = scratch("check-fair");
const TOKEN = "t0k3n-for-the-check-tests";
const WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TIMEOUT = `${3 * SCALE}s`;

// acx check ARGS --timeout T --format FORMAT; resolves {code, out, err, report}; `onStart(proc, stderr)` may signal it.
async function run(args, { format = "json", onStart } = {}) {
  const r = await spawned(acx, ["check", ...args, "--timeout", TIMEOUT, "--format", format],
    { env: { ...process.env, NO_COLOR: "1" } }, onStart);
  try {
    r.report = JSON.parse(r.out);
  } catch {}
  return r;
}
const verdicts = (report) => Object.fromEntries((report?.checks ?? []).map((c) => [c.id, c]));

// Setup first: every valid delivery gets 400 (the receiver wants a header acx did not send).
{
  const r = await startReceiver("needs-header", { secret: TOKEN });
  const res = await run([r.url, "--secret", TOKEN]);
  const v = verdicts(res.report);
  check(res.code === 1 && res.report?.setup.accepted === false &&
    /got 400 .*'missing X-Tenant'.*does the receiver want a header/.test(res.report.setup.problem),
    `a refused setup delivery is said at the top with its likely cause: ${res.code} ${JSON.stringify(res.report?.setup)}`);
  for (const id of ["missing-credential", "wrong-credential", "content-type", "malformed-input", "every-topic"]) {
    check(v[id]?.verdict === "inconclusive", `setup refused: ${id} is inconclusive, got ${v[id]?.verdict}`);
  }
  check(v["tampered-body"]?.verdict === "skip" && v.transport?.verdict === "pass",
    `setup refused: what does not apply is still skip, what needs no delivery still judged`);
  check(res.report?.summary.failed === 0 && !Object.values(v).some((c) => c.verdict === "pass" && c.requests.length),
    "setup refused: nothing that sent a delivery passed");
  const text = await run([r.url, "--secret", TOKEN, "--only", "wrong-credential"], { format: "text" });
  check(/^SETUP a valid delivery got 400/.test(text.out) && /0 passed, 0 failed, 0 warned, 0 skipped, 1 inconclusive/
    .test(text.out) && /1 check,/.test(text.err), `the text report says it at the top: ${text.out}`);
  // With the header, the same receiver is judged; its reproductions carry the header.
  const withHeader = await run([r.url, "--secret", TOKEN, "-H", "X-Tenant: acme"]);
  check(withHeader.code === 0 && withHeader.report?.setup.accepted, `with -H the receiver passes: ${withHeader.err}`);
  await r.close();
  const lax = await startReceiver("needs-header+ignores-token", { secret: TOKEN });
  const laxRes = await run([lax.url, "--secret", TOKEN, "-H", "X-Tenant: acme"]);
  check(verdicts(laxRes.report)["missing-credential"]?.verdict === "fail" &&
    /X-Tenant: acme/.test(verdicts(laxRes.report)["missing-credential"].reproduce), "a reproduction carries -H");
  check(await reproduced(dir, laxRes.report, TOKEN, "needs-header+ignores-token") >= 2, "the reproductions ran");
  await lax.close();
}

// A control refused as well: the negative checks cannot pass.
{
  const r = await startReceiver("refuses-after-setup", { secret: TOKEN });
  const res = await run([r.url, "--secret", TOKEN, "--only", "missing-credential", "--only", "wrong-credential"]);
  await r.close();
  const v = verdicts(res.report);
  for (const id of ["missing-credential", "wrong-credential"]) {
    check(v[id]?.verdict === "inconclusive" && /the control.*got 429/.test(v[id].detail),
      `429 to everything after setup: ${id} is inconclusive: ${v[id]?.verdict} ${v[id]?.detail}`);
  }
  check(res.code === 1, `inconclusive required checks prove nothing: exit 1, got ${res.code}`);
}

// True reasons and fair levels, each reproduction reproducing.
const cases = [
  ["hides-refusal", "token", { "missing-credential": ["fail", /'Hook rules were not satisfied\.' refuses, but a 200/],
    "wrong-credential": ["fail", /refuses, but a 200/] }],
  ["500-on-bad-credential", "token", { "wrong-credential": ["fail", /a 5xx invites retries/] }],
  ["501-to-get", "token", { "other-methods": ["warn", /501 \(RFC 9110/] }],
  // The reproduction of a GET carries the signature headers the check sent (without them this receiver answers 200).
  ["500-to-signed-get", "standard", { "other-methods": ["fail", /GET: 500/] }],
  ["lenient", "standard", { "malformed-input": ["warn", /validly signed/], "oversized-body": ["warn", /validly signed/] }],
  ["lenient", "token", { "malformed-input": ["fail", /nothing signs these bodies/],
    "oversized-body": ["fail", /nothing signs this body/] }],
  ["500-on-oversized", "token", { "oversized-body": ["fail", /got 500/] }],
];
for (const [mode, scheme, want] of cases) {
  const secret = scheme === "token" ? TOKEN : WHSEC;
  const r = await startReceiver(mode, { scheme, secret });
  const res = await run([r.url, "--scheme", scheme, "--secret", secret, ...Object.keys(want).flatMap((id) => ["--only", id])]);
  const v = verdicts(res.report);
  for (const [id, [verdict, detail]] of Object.entries(want)) {
    check(v[id]?.verdict === verdict && detail.test(v[id].detail),
      `${mode} (${scheme}): ${id} is ${verdict} matching ${detail}: got ${v[id]?.verdict}: ${v[id]?.detail}`);
  }
  check(await reproduced(dir, res.report, secret, `${mode} (${scheme})`) === Object.keys(want).length,
    `${mode}: every reproduction ran`);
  await r.close();
}

// The rule names the --timeout in force.
{
  const r = await startReceiver("correct", { secret: TOKEN });
  const res = await run([r.url, "--secret", TOKEN, "--only", "every-topic"]);
  await r.close();
  check(verdicts(res.report)["every-topic"]?.rule.includes(`within ${TIMEOUT}`), "the rule shows the real --timeout");
}

// Not run is not failed: a receiver that goes silent after the setup delivery.
{
  const r = await startReceiver("silent-after-setup", { secret: TOKEN });
  const res = await run([r.url, "--secret", TOKEN, "--skip", "fast-answers"]);
  const s = res.report?.summary;
  check(res.code === 6 && s?.not_run > 0 && s.failed <= 3 && s.not_run + s.failed + s.skipped === 19,
    `a silent receiver: exit 6, the checks that timed out failed, the rest not run: ${res.code} ${JSON.stringify(s)}`);
  // Ctrl-C while a check waits for the silent receiver: the report of what ran, exit 130.
  const stopped = await run([r.url, "--secret", TOKEN], { onStart: async (p, err) => {
    await waitFor(() => /checking/.test(err()), 30, "acx check to start");
    p.kill("SIGINT");
  } });
  await r.close();
  check(stopped.code === 130 && stopped.report?.interrupted === true &&
    stopped.report.checks.every((c) => ["not run", "skip"].includes(c.verdict) || c.requests.length > 0),
  `Ctrl-C: exit 130 and a report: ${stopped.code} ${stopped.out.slice(0, 300)} ${stopped.err.slice(0, 300)}`);
}
// A receiver silent from the first delivery: the setup delivery's timeout is a SETUP line, in text and JSON.
{
  const silent = await startReceiver("silent", { secret: TOKEN });
  const res = await run([silent.url, "--secret", TOKEN, "--only", "missing-credential"], { format: "text" });
  await silent.close();
  check(/^SETUP a valid delivery got no answer within \d+ ms: a receiver must answer within --timeout/m.test(res.out),
    `a setup delivery that timed out has its SETUP line: ${res.out.slice(0, 400)}`);
}
finish();
