// jq on forwarding routes: a filter that takes half of 100 events (the app gets exactly those, each job's in order), a
// transform the app receives byte for byte and whose signature covers it while the journal keeps the original, a
// program that loops and one that makes a 128 MiB string (each makes its event dead with the reason, the next event
// is handed over), acx forward test, and a reload with a broken program that keeps the previous one.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { acx, check, finish, quietPort, scratch, startListener, startAcx, request, waitFor, exited, SCALE } from "./lib.mjs";
import { event, post, startApp } from "./apps.mjs";

const dir = scratch("forward-jq");
const run = (args, input) => spawnSync(acx, args, { encoding: "utf8", input });
const step = (e) => JSON.parse(e.body).event.job.milestone.name; // "step N"
const metric = async (port, name) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, "m")
  .exec((await request(port, { method: "GET", path: "/metrics" })).body)?.[1] ?? NaN);

// 1. A filter that takes the even steps of 100 events over 5 jobs.
{
  const app = await startApp();
  const l = await startListener(dir, "filter", ["--forward-to", app.url,
    "--forward-filter", '.event.job.milestone.name | ltrimstr("step ") | tonumber % 2 == 0']);
  const events = Array.from({ length: 100 }, (_, i) => event(i % 5, i));
  await post(l.port, events);
  const wanted = events.filter((_, i) => i % 2 === 0);
  await waitFor(async () => (await metric(l.port, "acx_forward_filtered_total")) === 50 && app.got.length >= 50, 60,
    "50 forwards and 50 filtered out");
  const ids = app.got.map((g) => g.id);
  check(ids.length === 50 && new Set(ids).size === 50 && wanted.every((e) => ids.includes(e.id)),
    `the app got exactly the 50 events the filter takes (${ids.length})`);
  const sent = new Map(events.map((e) => [e.id, e]));
  check(app.got.every((g) => sent.get(g.id).body === g.body), "a filter alone forwards the bodies byte for byte");
  const ordered = [0, 1, 2, 3, 4].every((job) => {
    const seqs = app.got.filter((g) => sent.get(g.id).job === job).map((g) => g.seq);
    return seqs.every((s, i) => i === 0 || seqs[i - 1] < s);
  });
  check(ordered, "each job's events in journal order");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await app.stop();
}

// 2. A transform, signed: the app gets the program's output, the signature covers it, the journal the original.
{
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const app = await startApp();
  const l = await startListener(dir, "transform", ["--forward-to", app.url, "--forward-secret", secret,
    "--forward-scheme", "standard", "--forward-transform", '{id: .eventId, job: .event.job.id, step: .event.job.milestone.name, n: 1.5}']);
  const events = Array.from({ length: 10 }, (_, i) => event(7, i));
  await post(l.port, events);
  await waitFor(() => app.got.length === 10, 60, "10 transformed forwards");
  const expected = new Map(events.map((e) => [e.id, JSON.stringify({ id: e.id, job: JSON.parse(e.body).event.job.id,
    step: step(e), n: 1.5 })]));
  check(app.got.every((g) => expected.get(g.id) === g.body), "the app receives the transform's output byte for byte");
  const got = app.got[0];
  writeFileSync(join(dir, "forwarded.json"), got.body);
  const h = got.headers;
  const verify = run(["verify", "--scheme", "standard", "--secret", secret, "-H", `webhook-id: ${h["webhook-id"]}`,
    "-H", `webhook-timestamp: ${h["webhook-timestamp"]}`, "-H", `webhook-signature: ${h["webhook-signature"]}`,
    join(dir, "forwarded.json")]);
  check(verify.status === 0, `the signature covers the transformed body: ${verify.stderr}`);
  const shown = run(["events", "show", String(got.seq), "--journal", join(dir, "transform.db"), "--format", "json"]);
  const original = events.find((e) => e.id === got.id).body; // its odd spacing kept
  check(shown.status === 0 && shown.stdout.includes(`"envelope": ${original}`),
    `the journal keeps the original (${shown.stderr})`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await app.stop();
}

// 3. A program that loops and one that explodes: each makes its event dead with the reason; the lane goes on.
{
  const app = await startApp();
  const l = await startListener(dir, "bounded", ["--forward-to", app.url, "--forward-transform",
    'if .event.job.milestone.name == "step 0" then (def f: f; f) elif .event.job.milestone.name == "step 1" ' +
    'then (reduce range(0; 27) as $i ("x"; . + .)) else {step: .event.job.milestone.name} end'], { keepStdout: true });
  const events = Array.from({ length: 3 }, (_, i) => event(3, i));
  await post(l.port, events.slice(0, 1));
  await post(l.port, events.slice(1));
  await waitFor(() => app.got.length === 1, 60 , "the event after the two bad ones");
  check(app.got[0].body === '{"step":"step 2"}', `the next event is handed over (${app.got[0]?.body})`);
  await waitFor(() => l.stdout().split("\n").filter((x) => x.includes('"state":"dead"')).length === 2, 30,
    "two dead events reported");
  const dead = l.stdout().split("\n").filter((x) => x.includes('"state":"dead"')).map((x) => JSON.parse(x));
  check(dead[0]?.eventId === events[0].id && /ran past 2000 ms/.test(dead[0].answer),
    `the loop: dead, saying it ran past its time (${dead[0]?.answer})`);
  // Under a sanitizer (ACX_TEST_SCALE > 1) jq may take past the 2 s limit to build 128 MiB: then time is the reason.
  const tooBig = SCALE > 1 ? /over 16 MiB|ran past 2000 ms/ : /over 16 MiB/;
  check(dead[1]?.eventId === events[1].id && tooBig.test(dead[1].answer),
    `the 128 MiB string: dead, saying it is over 16 MiB (${dead[1]?.answer})`);
  const shown = run(["events", "show", String(dead[0].seq), "--journal", join(dir, "bounded.db"), "--format", "json"]);
  check(/ran past 2000 ms/.test(JSON.parse(shown.stdout).forwards?.[0]?.answer ?? ""), "events show says why it is dead");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await app.stop();
}

// 4. acx forward test.
{
  const e = event(1, 4);
  const t = run(["forward", "test", "--filter", '.event.job.milestone.name == "step 4"', "--transform", "{s: .event.job.milestone.name}"], e.body);
  check(t.status === 0 && t.stdout === '{"s":"step 4"}\n', `forward test prints the body a route forwards (${t.stderr})`);
  const no = run(["forward", "test", "--filter", ".event.job.milestone.name == \"x\"", "--format", "json"], e.body);
  check(no.status === 1 && JSON.parse(no.stdout).filter === "false", `an event the filter does not take: exit 1 (${no.stdout})`);
  const bad = run(["forward", "test", "--transform", ".event | {"], e.body);
  check(bad.status === 2 && /--transform is not a jq program: syntax error/.test(bad.stderr), `a syntax error: exit 2 (${bad.stderr})`);
}

// 5. listen --profile: a route's broken program stops the start (exit 2, naming the route); a reload with one keeps
//    the previous programs; a good one is taken.
{
  const app = await startApp();
  const port = await quietPort();
  const config = join(dir, "config.toml");
  const token = "a".repeat(64);
  const profile = (transform) => `[profiles.p]\n[[profiles.p.subscriptions]]\nid = "f30009c1-b6e3-432a-9a0e-6932c9fabdd8"\n` +
    `url = "http://127.0.0.1:${port}/hooks"\ntoken = "${token}"\nsecret_in = "query"\n` +
    `topics = ["job.milestone.current_changed"]\n\n[[profiles.p.forward]]\nurl = "${app.url}"\nname = "app"\n` +
    `transform = '${transform}'\n`;
  const write = (transform) => { writeFileSync(config, profile(transform)); chmodSync(config, 0o600); };
  write("{broken: .eventId");
  const refused = run(["listen", "--profile", "p", "--config", config, "--port", String(port), "--journal", join(dir, "p.db")]);
  check(refused.status === 2 && /forward to app: its transform is not a jq program/.test(refused.stderr),
    `a broken route program stops the start with exit 2 naming the route (${refused.status}: ${refused.stderr.trim()})`);
  write("{first: .eventId}");
  const l = await startAcx(dir, "p", ["listen", "--profile", "p", "--config", config, "--port", String(port),
    "--journal", join(dir, "p.db")]);
  const send = async (e) => (await request(port, { path: `/hooks?token=${token}`, body: e.body })).status;
  const a = event(2, 0), b = event(2, 1), c = event(2, 2);
  check(await send(a) === 200, "a delivery with the profile's token");
  await waitFor(() => app.got.length === 1, 30, "the first forward");
  write("{second: .eventId | (}");
  l.proc.kill("SIGHUP");
  await waitFor(() => /profile not reloaded, the previous one stays: .*transform is not a jq program/.test(l.stderr()), 30,
    "the reload refused");
  await send(b);
  await waitFor(() => app.got.length === 2, 30, "the second forward");
  check(app.got[1].body === JSON.stringify({ first: b.id }), `the previous transform stays (${app.got[1].body})`);
  write("{second: .eventId}");
  l.proc.kill("SIGHUP");
  await waitFor(() => /profile reloaded/.test(l.stderr()), 30, "the reload");
  await send(c);
  await waitFor(() => app.got.length === 3, 30, "the third forward");
  check(app.got[2].body === JSON.stringify({ second: c.id }), `the reloaded transform is used (${app.got[2].body})`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  await app.stop();
}

finish();
