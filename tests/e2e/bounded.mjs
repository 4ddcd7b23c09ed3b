// Every peer is bounded: each finding of issue 17 against the real binary on loopback. Outgoing requests get one
// deadline for the whole exchange and keep a bounded answer (acx check, send, forwarding, the sandbox); a topic with
// CR/LF never reaches a forwarded header; slow request heads are cut off at a deadline and a trusted proxy's clients
// are counted by address; --exec commands are judged by their exit status and leave nothing running; a detail with
// 95,000 keys is linear. Usage: node bounded.mjs path/to/acx
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { acx, check, finish, scratch, startListener, startAcx, request, connectAll, waitFor, exited, sleep, SCALE }
  from "./lib.mjs";

const dir = scratch("bounded");
// BOUNDED_ONLY=2,5 runs only those sections (to try one finding against another build).
const only = process.env.BOUNDED_ONLY?.split(",");
const want = (n) => !only || only.includes(String(n));
const fresh = (topic = "job.milestone.current_changed") => execFileSync(acx, ["fixtures", "show", topic, "--fresh"]).toString();
const run = (args, opts = {}) => {
  const r = spawnSync(acx, args, { encoding: "utf8", ...opts });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const peakKb = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const rssKb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

// A raw TCP peer: reads each request's head, then behaves as `answer(socket)` says. Resolves {port, close(), heads}.
function peer(answer) {
  const sockets = new Set();
  const heads = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    let buf = "";
    let answered = false;
    s.on("data", (d) => {
      buf += d.toString("latin1");
      if (!answered && buf.includes("\r\n\r\n")) {
        answered = true;
        heads.push(buf.slice(0, buf.indexOf("\r\n\r\n")));
        answer(s);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: server.address().port, heads,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  })));
}
// Answers one byte a second, forever (until the client goes).
const dripping = () => peer((s) => {
  const text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: ";
  let i = 0;
  const t = setInterval(() => { if (s.destroyed) clearInterval(t); else s.write(text[i++ % text.length]); }, 1000);
  s.on("close", () => clearInterval(t));
});
// Answers 200 with a chunked body that never ends, as fast as the client reads.
const endless = () => peer((s) => {
  s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  const chunk = Buffer.from(`10000\r\n${"z".repeat(0x10000)}\r\n`);
  const pump = () => { while (!s.destroyed && s.write(chunk)); };
  s.on("drain", pump);
  pump();
});
// Answers 200 declaring 1 GiB, and sends it.
const gigabyte = () => peer((s) => {
  s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${1 << 30}\r\n\r\n`);
  const chunk = Buffer.alloc(1 << 16, 0x61);
  let sent = 0;
  const pump = () => { while (!s.destroyed && sent < 1 << 30) { sent += chunk.length; if (!s.write(chunk)) return; } };
  s.on("drain", pump);
  pump();
});
const timed = async (fn) => { const t = Date.now(); const v = await fn(); return { v, ms: Date.now() - t }; };
// Runs acx to its end; resolves {code, out, err, ms, peakKb} (peak from /usr/bin/time).
function runTimed(args, { env } = {}) {
  return new Promise((resolve) => {
    const start = Date.now();
    const p = spawn("/usr/bin/time", ["-f", "PEAK %M", acx, ...args], { env: { ...process.env, ...env } });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => resolve({ code, out, err, ms: Date.now() - start, peakKb: Number(/PEAK (\d+)/.exec(err)?.[1]) }));
  });
}
// What the process takes with nothing to do: the sanitizer build's shadow memory makes absolute bounds meaningless.
const baseline = (await runTimed(["topics", "--format", "json"])).peakKb;

// 1. Header injection: a topicName with CR/LF is refused (400 naming the field) and never forwarded.
if (want(1)) {
  const got = [];
  const app = http.createServer((req, res) => { got.push(req.headers); req.resume(); req.on("end", () => res.end("ok")); });
  await new Promise((r) => app.listen(0, "127.0.0.1", r));
  const l = await startListener(dir, "inject", ["--forward-to", `http://127.0.0.1:${app.address().port}/app`]);
  const e = JSON.parse(fresh("job_created"));
  e.topicName = "job_created\r\nX-Injected: yes\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  const r = await request(l.port, { body: JSON.stringify(e) });
  check(r.status === 400 && r.body.includes('"path":"$.topicName"') && r.body.includes("a control character"),
    `a topic with CR/LF: ${r.status} ${r.body.slice(0, 200)}`);
  const ok = await request(l.port, { body: fresh("job_created") });
  check(ok.status === 200, `a clean delivery after it: ${ok.status}`);
  await waitFor(() => got.length >= 1, 20, "the clean delivery forwarded");
  check(got.length === 1 && !got.some((h) => "x-injected" in h), `only the clean event reached the app: ${got.length}`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  app.close();
}

// 2. Outgoing requests: one deadline for the whole exchange, a bounded answer.
if (want(2)) {
  const drip = await dripping();
  const url = `http://127.0.0.1:${drip.port}/hook`;
  const sent = await runTimed(["send", "job_created", "--to", url, "--scheme", "none", "--timeout", "3s", "--retries", "0"]);
  check(sent.ms < 15000 * SCALE, `acx send --timeout 3s --retries 0 against a drip ran ${sent.ms} ms`);
  check(/within 3000 ms/.test(sent.err + sent.out), `and says it timed out: ${(sent.err + sent.out).slice(0, 300)}`);
  const checked = await runTimed(["check", url, "--scheme", "none", "--timeout", "2s", "--format", "json"]);
  check(checked.ms < 60000 * SCALE, `acx check --timeout 2s against a drip ran ${checked.ms} ms (earlier: past 90 s)`);
  check(checked.code === 6, `acx check against a drip: exit 6 (it stopped answering: checks not run), got ${checked.code}`);

  const flood = await endless();
  const furl = `http://127.0.0.1:${flood.port}/hook`;
  const s2 = await runTimed(["send", "job_created", "--to", furl, "--scheme", "none", "--timeout", "5s", "--retries", "0"]);
  check(s2.code === 0, `acx send to an endless 200: exit ${s2.code} ${s2.err.slice(0, 200)}`);
  check(s2.peakKb - baseline < 100 * 1024, `an endless chunked answer: peak ${s2.peakKb} kB (baseline ${baseline})`);
  const c2 = await runTimed(["check", furl, "--scheme", "none", "--timeout", "2s", "--only", "every-topic"]);
  check(c2.peakKb - baseline < 150 * 1024, `acx check against endless answers: peak ${c2.peakKb} kB (earlier 17 GB)`);
  drip.close();
  flood.close();
}

// 3. Forwarding: a dripping app is given up on at --forward-timeout, a 1 GiB answer costs no memory, and a stopping
// listener abandons what is in flight at once (it stays pending).
if (want(3)) {
  const drip = await dripping();
  const l = await startListener(dir, "fwd-drip", ["--forward-to", `http://127.0.0.1:${drip.port}/app`, "--name", "app",
    "--forward-timeout", "2s"], { keepStdout: true });
  const r = await request(l.port, { body: fresh() });
  check(r.status === 200, `accepted for forwarding: ${r.status}`);
  const { ms } = await timed(() => waitFor(() => /"state":"retry"/.test(l.stdout()), 20, "the first attempt's result"));
  check(ms < 10000 * SCALE, `--forward-timeout 2s against a drip: a result after ${ms} ms (earlier: none after 12 s)`);
  check(/no complete answer within 2000 ms/.test(l.stdout()), `the result says why: ${l.stdout().slice(-300)}`);
  // The retry is in flight against the drip now, or soon: Ctrl-C (SIGINT) is honoured at once all the same, and
  // says what stays pending.
  await waitFor(() => drip.heads.length >= 2, 20, "the second attempt");
  const stop = await timed(async () => { l.proc.kill("SIGINT"); return exited(l.proc); });
  check(stop.v === 0 && stop.ms < 5000 * SCALE, `Ctrl-C with an attempt in flight: exit ${stop.v} after ${stop.ms} ms`);
  check(/1 event not yet handed over stays pending, for the next start/.test(l.stderr()),
    `the stop says what stays pending: ${l.stderr().slice(-300)}`);
  const pending = run(["events", "list", "--journal", join(dir, "fwd-drip.db"), "--consumer", "app", "--state", "pending",
    "--format", "json"]);
  check(pending.out.trim().split("\n").filter(Boolean).length === 1, `the event stays pending: ${pending.out}`);
  drip.close();

  const big = await gigabyte();
  const g = await startListener(dir, "fwd-big", ["--forward-to", `http://127.0.0.1:${big.port}/app`, "--name", "big"],
    { keepStdout: true });
  const before = rssKb(g.proc.pid);
  for (let i = 0; i < 4; i++) await request(g.port, { body: fresh() });
  await waitFor(() => (g.stdout().match(/"state":"delivered"/g) || []).length >= 4, 60, "four forwards answered with 1 GiB");
  check(peakKb(g.proc.pid) - before < 150 * 1024, `1 GiB answers to forwards: peak ${peakKb(g.proc.pid)} kB, ${before} kB before (earlier 2.1 GB)`);
  g.proc.kill("SIGTERM");
  await exited(g.proc);
  big.close();
}

// 4. --exec: a command that exits 0 but leaves a child holding stdout is delivered, not judged a timeout; what it
// started is killed; its environment carries none of acx's secrets.
if (want(4)) {
  const marker = `${(process.pid % 1000) + 300}.25`; // a sleep argument no other process uses
  const envFile = join(dir, "exec.env");
  process.env.ACX_SECRET = "tok"; // the listener's secret comes from its environment, which the command inherits
  process.env.ACX_API_KEY = "key";
  const l = await startListener(dir, "exec", ["--exec", `env > ${envFile}; sleep ${marker} & echo done`,
    "--name", "cmd", "--exec-timeout", "30s"], { keepStdout: true });
  delete process.env.ACX_SECRET;
  delete process.env.ACX_API_KEY;
  const { ms } = await timed(async () => {
    const r = await request(l.port, { path: "/webhooks/acculynx?token=tok", body: fresh() });
    check(r.status === 200, `accepted: ${r.status}`);
    await waitFor(() => /"state":"delivered"/.test(l.stdout()), 20, "the command's result");
  });
  check(ms < 15000 * SCALE, `a command leaving a child on stdout is done in ${ms} ms (not at its 30 s timeout)`);
  check(/processes it left running were killed/.test(l.stdout()), `and says what it killed: ${l.stdout().slice(-300)}`);
  const left = () => spawnSync("pgrep", ["-f", `^sleep ${marker}$`]).status !== 0;
  await waitFor(left, 10, "no sleep left running");
  check(left(), "nothing it started is left running");
  const env = readFileSync(envFile, "utf8");
  check(/^ACX_TOPIC=job.milestone.current_changed$/m.test(env), "the event's fields are in its environment");
  check(!/^ACX_(SECRET|FORWARD_SECRET|API_KEY)=/m.test(env), "acx's secrets are not");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
}

// 5. Slow request heads: 1,100 connections dripping a byte every 3 s from 127.0.0.1 hold the per-address limit
// (1,024) only until the head deadline; then a real delivery from 127.0.0.1 is answered.
if (want(5)) {
  const headTimeout = 4 * SCALE;
  const l = await startListener(dir, "heads", ["--header-timeout", `${headTimeout}s`]);
  const opened = Date.now();
  const socks = await connectAll(1100, l.port, { onConnect: (s) => s.write("P") });
  const drips = setInterval(() => { for (const s of socks) if (!s.destroyed) s.write("O"); }, 3000);
  const deadlinePassed = opened + headTimeout * 1000;
  let answered = 0;
  let status = 0;
  while (status !== 200 && Date.now() < deadlinePassed + 20000 * SCALE) {
    const r = await request(l.port, { body: fresh(), timeoutMs: 2000 });
    status = r.status;
    answered = Date.now();
    if (status !== 200) await sleep(100); // the next attempt of a client that retries, as a sender would
  }
  clearInterval(drips);
  check(status === 200, `a delivery after 1,100 dripping connections: ${status}`);
  check(answered - deadlinePassed < 2000 * SCALE + 3000,
    `answered ${answered - deadlinePassed} ms after the head deadline passed (bound: 2 s, plus one drip interval)`);
  const alive = socks.filter((s) => !s.destroyed && s.readyState === "open").length;
  check(alive < 1100, `the dripping connections were closed: ${alive} still open`);
  for (const s of socks) s.destroy();
  l.proc.kill("SIGTERM");
  await exited(l.proc);
}

// 6. A trusted proxy: the client's address from X-Forwarded-For, counted per address; anyone else's header ignored.
if (want(6)) {
  const l = await startListener(dir, "proxy", ["--trusted-proxy", "127.0.0.1", "--max-connections-per-ip", "2"]);
  const r = await request(l.port, { body: fresh(), headers: { "X-Forwarded-For": "198.51.100.1, 203.0.113.7" } });
  check(r.status === 200, `through the proxy: ${r.status}`);
  const listed = run(["events", "list", "--journal", join(dir, "proxy.db"), "--format", "json"]).out;
  check(/"remote":"203\.0\.113\.7:0"/.test(listed), `the journal records the proxy's client: ${listed.slice(0, 300)}`);
  // More connections from the proxy than the per-address limit: the proxy itself is not limited.
  const many = await Promise.all(Array.from({ length: 6 }, () => request(l.port, { body: fresh() })));
  check(many.every((x) => x.status === 200), `six at once through the proxy: ${many.map((x) => x.status)}`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  const direct = await startListener(dir, "noproxy", []);
  await request(direct.port, { body: fresh(), headers: { "X-Forwarded-For": "203.0.113.7" } });
  const d = run(["events", "list", "--journal", join(dir, "noproxy.db"), "--format", "json"]).out;
  check(/"remote":"127\.0\.0\.1:\d+"/.test(d) && !d.includes('"remote":"203.0.113.7'),
    `without --trusted-proxy the header is not believed: ${d.slice(0, 200)}`);
  direct.proc.kill("SIGTERM");
  await exited(direct.proc);
}

// 7. An accepted envelope with 95,000 keys: events show and the inspect page stay linear.
if (want(7)) {
  const l = await startListener(dir, "wide", []);
  const e = JSON.parse(fresh("job_created"));
  for (let i = 0; i < 95000; i++) e.event.job[i.toString(36)] = 0; // about 880 KB, under the 1 MiB --max-body
  const last = (94999).toString(36);
  const body = JSON.stringify(e);
  const r = await request(l.port, { body, timeoutMs: 30000 });
  check(r.status === 200, `a ${body.length}-byte envelope with 95,000 keys: ${r.status} ${r.body.slice(0, 100)}`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  const journal = join(dir, "wide.db");
  const shown = await runTimed(["events", "show", "1", "--journal", journal, "--format", "text"]);
  // Bounds a quadratic pass breaks on this machine too (before: 5.3 s for events show here), with room for a busy one.
  check(shown.code === 0 && shown.ms < 3000 * SCALE, `events show: exit ${shown.code} in ${shown.ms} ms (earlier 17.5 s)`);
  check(shown.out.includes(`"${last}": 0`), "pretty, every key");
  const asJson = await runTimed(["events", "show", "1", "--journal", journal, "--format", "json"]);
  check(asJson.ms < 3000 * SCALE && Object.keys(JSON.parse(asJson.out).envelope.event.job).length >= 95000,
    `events show --format json: ${asJson.ms} ms`);
  const page = await startAcx(dir, "wide-page", ["inspect", "--journal", journal, "--port", "0"]);
  const pageUrl = new URL(readFileSync(join(dir, "wide-page.ready"), "utf8").trim()); // the ready file holds the URL
  const port = Number(pageUrl.port);
  const token = pageUrl.searchParams.get("token");
  const detail = await request(port, { method: "GET", path: `/d/a1?token=${token}`, timeoutMs: 30000 });
  // The first answer is the redirect that sets the cookie; the detail itself is asked for with it.
  check(detail.status === 303, `the token in the URL: ${detail.status}`);
  const cookie = (detail.headers?.["set-cookie"] || [""])[0].split(";")[0];
  const again = await timed(() => request(port, { method: "GET", path: "/d/a1", headers: { Cookie: cookie }, timeoutMs: 30000 }));
  check(again.v.status === 200 && again.v.body.includes(`&quot;${last}&quot;: 0`), `GET /d/a1: ${again.v.status}`);
  check(again.ms < 5000 * SCALE, `the detail page of 95,000 keys in ${again.ms} ms (earlier 41.7 s)`);
  page.proc.kill("SIGTERM");
  await exited(page.proc);
}

// 8. The sandbox: one tenant's dripping consumer does not hold another tenant's delivery.
if (want(8)) {
  const sbx = await startAcx(dir, "sbx", ["sandbox", "--port", "0", "--data-dir", join(dir, "sbx"), "--api-key", "k1",
    "--api-key", "k2"]);
  const api = `http://127.0.0.1:${sbx.port}/webhooks/v2`;
  const drip = await dripping();
  const got = [];
  const app = http.createServer((req, res) => { got.push(Date.now()); req.resume(); req.on("end", () => res.end("ok")); });
  await new Promise((r) => app.listen(0, "127.0.0.1", r));
  const subscribe = (key, url) => run(["subscribe", "--url", url, "--topic", "job_created", "--contact", "a@b.c",
    "--api-base", api, "--api-key", key, "--profile", key, "--config", join(dir, "sbx.toml")]);
  const s1 = subscribe("k1", `http://127.0.0.1:${drip.port}/slow`);
  const s2 = subscribe("k2", `http://127.0.0.1:${app.address().port}/fast`);
  check(s1.code === 0 && s2.code === 0, `two tenants subscribed: ${s1.err} ${s2.err}`);
  const emit = (key) => run(["sandbox", "emit", "job_created", "--api-base", api, "--api-key", key, "--config", join(dir, "sbx.toml")]);
  check(emit("k1").code === 0, "tenant 1's event emitted (to the drip)");
  await waitFor(() => drip.heads.length >= 1, 20, "tenant 1's delivery under way");
  const t = Date.now();
  check(emit("k2").code === 0, "tenant 2's event emitted");
  await waitFor(() => got.length >= 1, 30, "tenant 2's delivery");
  check(got[0] - t < 5000 * SCALE, `tenant 2's delivery took ${got[0] - t} ms while tenant 1's consumer dripped (earlier 41 s)`);
  drip.close();
  app.close();
  sbx.proc.kill("SIGTERM");
  await exited(sbx.proc);
}

// 10. Small ones: replay --dry-run hides a secret wherever it appears (a -H value too); the load client's words for a
// Content-Length past what a number holds; the check's rule for every topic names the flag, not a fixed 10 s.
if (want(10)) {
  const dry = run(["replay", "--all", "--journal", join(dir, "proxy.db"), "--to", "http://127.0.0.1:9/hook", "--secret",
    "s3cr3t-value", "-H", "X-Custom: key=s3cr3t-value", "--dry-run"]);
  check(dry.code === 0 && dry.out.includes('"X-Custom":"key=***"'), `replay --dry-run: ${dry.out.slice(0, 300)}`);
  check(!dry.out.includes("s3cr3t-value") && !dry.err.includes("s3cr3t-value"), "the secret is printed nowhere");
  const huge = await peer((s) => s.end("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nx"));
  // Not spawnSync: the peer answers from this process's event loop.
  const load = await runTimed(["send", "job_created", "--to", `http://127.0.0.1:${huge.port}/`, "--scheme", "none",
    "-n", "3", "-c", "1", "--format", "json"]);
  check(/not a number, or too large to represent/.test(load.out + load.err) && !/18446744073709551615/.test(load.out + load.err),
    `the load client on an overflowing Content-Length: ${(load.out + load.err).slice(0, 300)}`);
  huge.close();
  const list = run(["check", "--list"]);
  check(/every-topic.*within --timeout/.test(list.out) && !/\(10 s\)/.test(list.out), `acx check --list: ${list.out.slice(0, 200)}`);
}

// 9. listen --inspect says where the page is, never its token; the link with the token is a private file.
if (want(9)) {
  const state = join(dir, "state");
  process.env.XDG_STATE_HOME = state;
  const l = await startListener(dir, "page", ["--inspect=0"]);
  delete process.env.XDG_STATE_HOME;
  await waitFor(() => /inspect the deliveries at/.test(l.stderr()), 20, "the page's address");
  const line = /inspect the deliveries at http:\/\/127\.0\.0\.1:(\d+)\/ \(open file:\/\/(\S+) in a browser:/.exec(l.stderr());
  check(line !== null, `where the page is: ${l.stderr()}`);
  if (line) {
    const link = readFileSync(line[2], "utf8");
    const token = /token=([0-9a-f]{32})/.exec(link)?.[1];
    check(token && !l.stderr().includes(token), "the token is in the link file, not on stderr");
    check((statSync(line[2]).mode & 0o777) === 0o600, `the link file is private: ${(statSync(line[2]).mode & 0o777).toString(8)}`);
    // The listener's health in detail is on the page, behind its token; not without it.
    const page = Number(line[1]);
    const health = await request(page, { method: "GET", path: `/health?token=${token}` });
    const followed = health.status === 303 ? await request(page, { method: "GET", path: "/health",
      headers: { Cookie: health.headers["set-cookie"]?.[0]?.split(";")[0] ?? "" } }) : health;
    check(followed.status === 200 && /^ok\njournal \S+ \(SQLite [\d.]+\): newest #\d+\n$/.test(followed.body),
      `the page's /health: ${followed.status} ${followed.body}`);
    check((await request(page, { method: "GET", path: "/health" })).status !== 200, "not without the token");
  }
  // A Content-Length libmicrohttpd cannot parse: refused with 400, and the connection closed.
  const r = await new Promise((resolve) => {
    const sock = net.connect(l.port, "127.0.0.1", () => sock.write("POST /webhooks/acculynx HTTP/1.1\r\nHost: x\r\n" +
      "Content-Type: application/json\r\nContent-Length: +36\r\n\r\n" + "x".repeat(36)));
    let got = "";
    sock.on("data", (d) => (got += d));
    sock.on("error", () => {});
    sock.on("close", () => resolve(got));
  });
  check(r.startsWith("HTTP/1.1 400 "), `Content-Length: +36: ${r.slice(0, 40)}`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
}

finish();
