// acx listen --forward-to / --exec: the journal as an outbox. An app that goes down for a while, a kill -9 of acx, dead
// letters and retry, 410, 429 with Retry-After, commands that fail, hang and read stdin, Standard Webhooks signatures
// checked by acx verify, and two consumers at different speeds.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import crypto from "node:crypto";
import { acx, check, finish, quietPort, scratch, startListener, waitFor, exited, sleep, SCALE } from "./lib.mjs";
import { event, post, startApp } from "./apps.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const dir = scratch("forward");
function run(args) {
  const r = spawnSync(acx, args, { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// 1. The app goes down during a burst of 2,000 events over 50 jobs, and stays down until its lanes have failed, been
//    scheduled again and its circuit opened (the metrics say so), then comes back: the half-open attempt (every 2 s)
//    closes the circuit and everything goes.
{
  const app = await startApp({ port: await quietPort() }); // it comes back on this port: no one else may take it
  const l = await startListener(dir, "down", ["--forward-to", app.url, "--forward-breaker-cooldown", "2s"]);
  const events = Array.from({ length: 2000 }, (_, i) => event(i % 50, i));
  const posting = post(l.port, events);
  await waitFor(() => app.got.length >= 200, 60, "the first forwards");
  const port = app.port;
  await app.stop();
  await posting; // the rest are journaled and acknowledged while the app is down
  const retried = async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${l.port}/metrics`)).text();
    return Number(metrics.match(/acx_forward_retried_total\{[^}]*\} (\d+)/)?.[1] ?? 0);
  };
  // 20 failed attempts in a row open the consumer's circuit (the default --forward-breaker): the lanes wait for it.
  await waitFor(async () => (await retried()) >= 20, 60, "forwards failing and scheduled again while the app is down");
  const before = app.got;
  const back = await startApp({ port });
  back.got.unshift(...before);
  await waitFor(() => new Set(back.accepted().map((g) => g.id)).size === 2000, 120, "every event after the app came back");
  const sent = new Map(events.map((e) => [e.id, e]));
  check(back.accepted().every((g) => sent.get(g.id)?.body === g.body), "bodies arrive byte for byte");
  // Each job's events first arrived in journal order.
  const firstSeq = new Map();
  const byJob = new Map();
  for (const g of back.got) {
    if (firstSeq.has(g.id)) continue;
    firstSeq.set(g.id, g.seq);
    const job = sent.get(g.id).job;
    if (!byJob.has(job)) byJob.set(job, []);
    byJob.get(job).push(g.seq);
  }
  const inOrder = [...byJob.values()].every((seqs) => seqs.every((s, i) => i === 0 || seqs[i - 1] < s));
  check(inOrder && byJob.size === 50, "each job's events first arrived in journal order");
  check(back.got.every((g) => g.headers["x-acx-topic"] === "job.milestone.current_changed" && g.headers["x-acx-attempt"]),
    "X-Acx-Topic and X-Acx-Attempt on every forward");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await back.stop();
}

// 2. kill -9 while forwarding; a restart on the same journal delivers everything, repeating only what was in flight.
{
  const app = await startApp({ delayMs: 5 });
  const journal = ["--forward-to", app.url, "--forward-concurrency", "8"];
  const l = await startListener(dir, "kill", journal);
  const events = Array.from({ length: 600 }, (_, i) => event(i % 40, i));
  await post(l.port, events);
  await waitFor(() => app.got.length >= 100, 60, "forwarding under way");
  l.proc.kill("SIGKILL");
  await exited(l.proc);
  const again = await startListener(dir, "kill", journal);
  await waitFor(() => new Set(app.accepted().map((g) => g.id)).size === 600, 120, "every event after the restart");
  const counts = new Map();
  for (const g of app.got) counts.set(g.id, (counts.get(g.id) || 0) + 1);
  const repeats = [...counts.values()].filter((n) => n > 1).length;
  check(repeats <= 8, `after kill -9, only events in flight came again: ${repeats} repeated (concurrency 8)`);
  again.proc.kill("SIGTERM");
  await exited(again.proc);
  await app.stop();
}

// 3. A refusal (4xx) is dead at once, listed, and retried on request; 429's Retry-After is honoured; 410 stops.
{
  let refuse = true;
  const seen429 = new Map();
  const app = await startApp({ answer: (g) => {
    const e = JSON.parse(g.body);
    if (e.event.job.milestone.name === "refuse") return refuse ? 422 : 200;
    if (e.event.job.milestone.name === "slow down") {
      const n = (seen429.get(g.id) || 0) + 1;
      seen429.set(g.id, n);
      return n === 1 ? 429 : 200;
    }
    if (e.event.job.milestone.name === "gone") return 410;
    if (e.event.job.milestone.name === "who are you") return 401;
    return 200;
  } });
  const l = await startListener(dir, "dead", ["--forward-to", app.url, "--name", "app"], { keepStdout: true });
  const journal = join(dir, "dead.db");
  const refused = event(1, 0);
  refused.body = refused.body.replace('"step 0"', '"refuse"');
  await post(l.port, [refused]);
  await waitFor(() => app.got.some((g) => g.id === refused.id), 30, "the refused forward");
  await waitFor(() => run(["events", "list", "--journal", journal, "--consumer", "app", "--state", "dead", "--format", "json"])
    .out.includes(refused.id), 30, "the refused event listed as dead");
  check(app.got.filter((g) => g.id === refused.id).length === 1, "a 4xx is not retried");
  const shown = run(["events", "show", refused.id, "--journal", journal, "--format", "text"]);
  check(/app\s+attempt 1: 422 in [\d.]+ ms: no: 422 \(dead\)/.test(shown.out), `events show lists the attempt: ${shown.out}`);
  refuse = false;
  const retried = run(["events", "retry", "--journal", journal, "--consumer", "app", "--dead"]);
  check(retried.code === 0 && /1 event due again for app/.test(retried.err), `events retry: ${retried.err}`);
  await waitFor(() => app.accepted().some((g) => g.id === refused.id), 30, "the dead event delivered after retry");
  const delivered = run(["events", "list", "--journal", journal, "--consumer", "app", "--state", "delivered", "--format", "json"]);
  check(delivered.out.includes(refused.id), "and it is listed as delivered");
  // An app that wants a credential the forwards do not carry: the dead attempt says what signs them.
  const stranger = event(5, 0);
  stranger.body = stranger.body.replace('"step 0"', '"who are you"');
  await post(l.port, [stranger]);
  await waitFor(() => run(["events", "list", "--journal", journal, "--consumer", "app", "--state", "dead", "--format", "json"])
    .out.includes(stranger.id), 30, "the 401'd event listed as dead");
  const hinted = run(["events", "show", stranger.id, "--journal", journal, "--format", "text"]);
  check(/attempt 1: 401 .*the app wants a credential: --forward-secret/.test(hinted.out), `a 401 hints: ${hinted.out}`);

  const slow = event(2, 0);
  slow.body = slow.body.replace('"step 0"', '"slow down"');
  await post(l.port, [slow]);
  await waitFor(() => app.accepted().some((g) => g.id === slow.id), 30, "the 429'd event");
  const tries = app.got.filter((g) => g.id === slow.id);
  check(tries.length === 2 && tries[1].at - tries[0].at >= 1900, `Retry-After: 2 honoured: ${tries.map((t) => t.at - tries[0].at)}`);
  check(tries[1].headers["x-acx-attempt"] === "2", "X-Acx-Attempt counts the attempts");

  const gone = event(3, 0);
  gone.body = gone.body.replace('"step 0"', '"gone"');
  await post(l.port, [gone]);
  await waitFor(() => l.stderr().includes("410 Gone"), 30, "the 410");
  const after = event(4, 1);
  await post(l.port, [after]);
  const health = await fetch(`http://127.0.0.1:${l.port}/healthz`);
  const healthText = await health.text();
  check(health.status === 200 && healthText === "degraded: a consumer takes nothing\n", `healthz degraded: ${healthText}`);
  const metrics = await (await fetch(`http://127.0.0.1:${l.port}/metrics`)).text();
  check(/acx_forward_stopped\{consumer="app"\} 1/.test(metrics) && /acx_forward_dead_total\{consumer="app"\} 2/.test(metrics), // the 422 and the 401
    "metrics: stopped, and the dead count");
  check(!app.got.some((g) => g.id === after.id), "after 410 nothing more is forwarded");
  check(/#\d+ -> app: 422 in \d+ ms: no: 422/.test(l.stdout()) || /"forward":"app"/.test(l.stdout()),
    `each forward's result is on the output: ${l.stdout().slice(-400)}`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await app.stop();
}

// 4. --exec: fails twice then succeeds; a hung command is killed at its timeout; stdin is the exact body; per-key order.
{
  const out = join(dir, "exec");
  spawnSync("mkdir", ["-p", out]);
  const cmd = `cat > ${out}/$ACX_EVENT_ID.body; n=$(cat ${out}/$ACX_EVENT_ID.n 2>/dev/null || echo 0); n=$((n+1)); ` +
    `echo $n > ${out}/$ACX_EVENT_ID.n; sleep 0.0$((ACX_SEQ % 5)); ` +
    `case "$(grep -o 'FAIL-TWICE\\|HANG-ONCE' ${out}/$ACX_EVENT_ID.body)" in ` +
    `FAIL-TWICE) [ $n -ge 3 ] || exit 7;; HANG-ONCE) [ $n -ge 2 ] || sleep 3001;; esac; echo "$ACX_SEQ $ACX_ATTEMPT" >> ${out}/order.log`;
  const l = await startListener(dir, "exec", ["--exec", cmd, "--name", "cmd", "--exec-timeout", `${3 * SCALE}s`,
    "--forward-concurrency", "4"], { keepStdout: true });
  const events = Array.from({ length: 60 }, (_, i) => event(i % 6, i));
  events[5].body = events[5].body.replace('"step 5"', '"FAIL-TWICE"');
  events[7].body = events[7].body.replace('"step 7"', '"HANG-ONCE"');
  await post(l.port, events, 4);
  const done = () => existsSync(join(out, "order.log")) ? readFileSync(join(out, "order.log"), "utf8").trim().split("\n") : [];
  await waitFor(() => done().length === 60, 120, "every command run to success");
  check(events.every((e) => readFileSync(join(out, `${e.id}.body`), "utf8") === e.body), "stdin is the exact body");
  const runs = (e) => readFileSync(join(out, `${e.id}.n`), "utf8").trim();
  check(runs(events[5]) === "3", `failed twice, then succeeded: ${runs(events[5])} runs`);
  check(runs(events[7]) === "2", `the hung command was killed and run again: ${runs(events[7])} runs`);
  check(spawnSync("pgrep", ["-f", "^sleep 3001"]).status !== 0, "its process group is gone");
  check(/-> cmd: exit -1 in \d+ ms: killed after/.test(l.stdout()) || /"exit":-1/.test(l.stdout()), `the kill is reported`);
  // Per job (the ordering key), completions in journal order.
  const seqToJob = new Map();
  const js = run(["events", "list", "--journal", join(dir, "exec.db"), "--format", "json"]).out.trim().split("\n").map((x) => JSON.parse(x));
  for (const r of js) seqToJob.set(r.seq, r.envelope.event.job.id);
  const last = new Map();
  let ordered = true;
  for (const line of done()) {
    const seq = Number(line.split(" ")[0]);
    const job = seqToJob.get(seq);
    if (last.has(job) && last.get(job) > seq) ordered = false;
    last.set(job, seq);
  }
  check(ordered && last.size === 6, "each job's commands completed in journal order");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
}

// 5. --forward-scheme standard: acx verify accepts the forward (tests/interop checks it against the reference
//    implementation); --forward-from start replays.
{
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const app = await startApp();
  const l = await startListener(dir, "signed", ["--forward-to", app.url, "--forward-secret", secret,
    "--forward-scheme", "standard"]);
  const e = event(9, 0);
  await post(l.port, [e]);
  await waitFor(() => app.got.length === 1, 30, "the signed forward");
  const body = join(dir, "forwarded.json");
  writeFileSync(body, app.got[0].body);
  const h = app.got[0].headers;
  const verify = spawnSync(acx, ["verify", "--scheme", "standard", "--secret", secret, "-H", `webhook-id: ${h["webhook-id"]}`,
    "-H", `webhook-timestamp: ${h["webhook-timestamp"]}`, "-H", `webhook-signature: ${h["webhook-signature"]}`, body]);
  check(verify.status === 0 && verify.stdout.toString() === "verified\n", `acx verify accepts the forward: ${verify.stderr}`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  // A new consumer on the same journal starts from now, unless --forward-from says otherwise.
  const other = await startApp();
  const again = await startListener(dir, "signed", ["--forward-to", other.url, "--forward-from", "start"]);
  await waitFor(() => other.got.length === 1, 30, "history replayed into a new consumer");
  check(other.got[0].id === e.id, "--forward-from start replays the journal");
  again.proc.kill("SIGTERM");
  await exited(again.proc);
  await app.stop();
  await other.stop();
}

// 7. Attempts count on across a restart: an event tried twice before a stop is tried a third time after it (not a
//    first), after the rest of its wait.
{
  let up = false;
  const app = await startApp({ answer: () => (up ? 200 : 503) });
  const args = ["--forward-to", app.url, "--name", "app", "--forward-max-age", "1h"];
  const first = await startListener(dir, "resume", args);
  const e = event(11, 0);
  await post(first.port, [e]);
  await waitFor(() => app.got.filter((g) => g.id === e.id).length >= 2, 30, "two attempts before the stop");
  first.proc.kill("SIGTERM");
  await exited(first.proc);
  const before = app.got.filter((g) => g.id === e.id).length;
  up = true;
  const again = await startListener(dir, "resume", args);
  await waitFor(() => app.accepted().some((g) => g.id === e.id), 60, "the event delivered after the restart");
  const after = app.got.filter((g) => g.id === e.id)[before];
  check(after.headers["x-acx-attempt"] === String(before + 1),
    `the first attempt after a restart is attempt ${before + 1}, got ${after.headers["x-acx-attempt"]}`);
  again.proc.kill("SIGTERM");
  await exited(again.proc);
  await app.stop();
}

// 6. --forward-scheme github with --forward-header: what octokit's middleware wants (X-Hub-Signature-256 over the
//    body, X-GitHub-Event); a header acx sets itself cannot be overridden.
{
  const secret = "gh-webhook-secret-0123456789";
  const app = await startApp();
  const l = await startListener(dir, "github", ["--forward-to", app.url, "--forward-secret", secret,
    "--forward-scheme", "github", "--forward-header", "X-GitHub-Event: ping", "--forward-header",
    "X-GitHub-Delivery: 1"]);
  await post(l.port, [event(10, 0)]);
  await waitFor(() => app.got.length === 1, 30, "the github-signed forward");
  const h = app.got[0].headers;
  const want = "sha256=" + crypto.createHmac("sha256", secret).update(app.got[0].body).digest("hex");
  check(h["x-hub-signature-256"] === want, `X-Hub-Signature-256 signs the body: ${h["x-hub-signature-256"]}`);
  check(h["x-github-event"] === "ping" && h["x-github-delivery"] === "1", "the fixed headers arrive");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await app.stop();
  const refused = spawnSync(acx, ["listen", "--port", "0", "--journal", join(dir, "github.db"), "--forward-to",
    "http://127.0.0.1:9/x", "--forward-header", "X-Acx-Seq: 1"]);
  check(refused.status === 2 && /--forward-header: X-Acx-Seq is set by acx itself/.test(refused.stderr),
    `a header acx sets is refused: ${refused.stderr}`);
}

// 6. Two consumers at different speeds: one that is down holds nothing back for the other.
{
  const fast = await startApp();
  const downUrl = `http://127.0.0.1:${await quietPort()}/app`; // nothing listens there, and nothing will
  const l = await startListener(dir, "two", ["--forward-to", fast.url, "--forward-to", downUrl]);
  const events = Array.from({ length: 300 }, (_, i) => event(i % 10, i));
  await post(l.port, events);
  await waitFor(() => fast.accepted().length === 300, 60, "the fast consumer, with the other down");
  const metrics = await (await fetch(`http://127.0.0.1:${l.port}/metrics`)).text();
  const lag = Number(metrics.match(new RegExp(`acx_forward_lag_events\\{consumer="${downUrl.replaceAll("/", "\\/")}"\\} (\\d+)`))?.[1]);
  check(lag === 300, `the down consumer's lag is every event: ${lag}`);
  const pending = run(["events", "list", "--journal", join(dir, "two.db"), "--consumer", downUrl, "--state", "pending", "--format", "json"]);
  check(pending.out.trim().split("\n").length === 300, "events list --state pending shows them");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await fast.stop();
}

// 7. Routes in the profile: acx listen --profile forwards as they say (topic globs).
{
  const jobs = await startApp();
  const config = join(dir, "config.toml");
  const sub = "6bf46c69-7d2c-4f82-aeea-cbe226e87555";
  writeFileSync(config, `[profiles.dev]
[[profiles.dev.subscriptions]]
id = "${sub}"
url = "http://127.0.0.1/webhooks/acculynx"
token = "tok"
secret_in = "query"
topics = ["job.milestone.current_changed", "contact_added"]
[[profiles.dev.forward]]
url = "${jobs.url}"
topics = ["job.*"]
name = "jobs"
`);
  const l = await startListener(dir, "routes", ["--profile", "dev", "--config", config]);
  const send = (topic) => run(["send", topic, "--to", `http://127.0.0.1:${l.port}/webhooks/acculynx`, "--secret", "tok",
    "--subscription", sub]);
  check(send("contact_added").code === 0 && send("job.milestone.current_changed").code === 0, "both accepted");
  await waitFor(() => jobs.got.length === 1, 30, "the route's forward");
  check(jobs.got[0].headers["x-acx-topic"] === "job.milestone.current_changed", "only the topics the route names");
  const consumers = run(["events", "list", "--journal", join(dir, "routes.db"), "--consumer", "jobs", "--state", "delivered",
    "--format", "json"]);
  check(consumers.code === 0 && consumers.out.trim().split("\n").length === 1, "the route is a consumer named by it");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await jobs.stop();
}

finish();
