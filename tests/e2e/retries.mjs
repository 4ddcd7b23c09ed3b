// acx send against scripted local servers: retries with backoff, Retry-After, 410, a server that never answers, and
// an unreachable port. Usage: node retries.mjs path/to/acx
import { spawnSync, spawn } from "node:child_process";
import http from "node:http";

const acx = process.argv[2];
const scale = Number(process.env.ACX_TEST_SCALE || 1);
let passed = 0;
let failed = 0;
const check = (ok, what) => (ok ? passed++ : (failed++, console.error(`FAIL: ${what}`)));

const seen = {}; // path -> [{at, body}]
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const list = (seen[req.url] ??= []);
    list.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString() });
    const n = list.length;
    switch (req.url) {
      case "/flaky":
        if (n === 1) return res.writeHead(500).end("boom");
        if (n === 2) return req.socket.destroy();
        return res.writeHead(200).end("ok");
      case "/busy":
        if (n === 1) return res.writeHead(429, { "Retry-After": "1" }).end("slow down");
        return res.writeHead(200).end("ok");
      case "/gone":
        return res.writeHead(410).end("gone");
      case "/bad":
        return res.writeHead(400).end("bad");
      case "/silent":
        return; // never answers
      case "/chunked":
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.write("part one, ");
        return res.end("part two");
      case "/close":
        return res.writeHead(200, { Connection: "close", "Content-Length": "2" }).end("ok");
      case "/duplicate":
        return res.writeHead(200).end('{"status":"duplicate"}');
      case "/liar": // a chunk size that overflows 64 bits, then silence on an open connection
        return req.socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffec\r\nxxxx");
      case "/huge": // declares more than any answer acx reads
        return req.socket.write("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nxx");
      case "/drip": { // a byte every 100 ms, never the whole declared body
        req.socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        const t = setInterval(() => (req.socket.destroyed ? clearInterval(t) : req.socket.write("x")), 100);
        return;
      }
      default:
        return res.writeHead(404).end();
    }
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;

// Runs acx send asynchronously (the server lives in this process) and parses its JSON report.
function send(path, extra = []) {
  return new Promise((resolve) => {
    const p = spawn(acx, ["send", "contact_added", "--to", base + path, "--scheme", "hmac", "--secret", "k",
      "--format", "json", ...extra]);
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => {
      let report = null;
      try { report = JSON.parse(out.trim().split("\n")[0]); } catch { /* checked by the caller */ }
      resolve({ code, out, err, report });
    });
  });
}

{
  const r = await send("/flaky", ["--retries", "3"]);
  check(r.code === 0, `flaky: exit ${r.code} (${r.err})`);
  check(JSON.stringify(r.report?.attempts.map((a) => a.status)) === "[500,0,200]",
    `flaky: attempts ${JSON.stringify(r.report?.attempts.map((a) => a.status))}, expected 500, dropped, 200`);
  const waits = r.report?.attempts.map((a) => a.waitedMs) ?? [];
  check(waits[1] >= 250 && waits[1] <= 500 && waits[2] >= 500 && waits[2] <= 1000,
    `flaky: backoff waits ${JSON.stringify(waits)}, expected ~250-500 then ~500-1000 ms`);
  const bodies = seen["/flaky"].map((s) => s.body);
  check(bodies.length === 3 && bodies.every((b) => b === bodies[0]), "flaky: every attempt sends the same body");
  check(seen["/flaky"].every((s) => s.headers["x-acx-signature"]?.startsWith("sha256=")), "flaky: every attempt is signed");
  check(seen["/flaky"][0].headers["content-type"] === "application/json", "flaky: Content-Type is application/json");
}
{
  const r = await send("/busy");
  check(r.code === 0, `busy: exit ${r.code}`);
  check(r.report?.attempts[1]?.waitedMs === 1000, `busy: waited ${r.report?.attempts[1]?.waitedMs} ms, expected Retry-After's 1000`);
  const gap = seen["/busy"][1].at - seen["/busy"][0].at;
  check(gap >= 950, `busy: the retry came ${gap} ms after the 429`);
}
{
  const r = await send("/gone", ["--retries", "5"]);
  check(r.code === 1, `gone: exit ${r.code}`);
  check(seen["/gone"].length === 1, `gone: ${seen["/gone"].length} attempts, expected 1`);
  check(r.report?.gaveUp.startsWith("410 Gone"), `gone: ${r.report?.gaveUp}`);
}
{
  const r = await send("/bad", ["--retries", "5"]);
  check(r.code === 1 && seen["/bad"].length === 1, `bad: exit ${r.code}, ${seen["/bad"].length} attempts`);
}
{
  const start = Date.now();
  const r = await send("/silent", ["--timeout", "1s", "--retries", "1"]);
  const took = Date.now() - start;
  check(r.code === 5, `silent: exit ${r.code}`);
  check(r.report?.attempts.length === 2 && r.report.attempts.every((a) => a.status === 0 && a.ms >= 900),
    `silent: attempts ${JSON.stringify(r.report?.attempts)}`);
  check(took < 6000 * scale, `silent: took ${took} ms`);
  check(r.err.includes("1 of 1 delivery was not accepted"), `silent: stderr ${r.err}`);
}
{
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, "127.0.0.1", r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  const p = spawnSync(acx, ["send", "contact_added", "--to", `http://127.0.0.1:${port}/x`, "--scheme", "none",
    "--retries", "0"]);
  check(p.status === 5, `unreachable: exit ${p.status}`);
  check(p.stdout.toString().includes("cannot connect"), `unreachable: ${p.stdout}`);
}

// Load mode on the event-loop client: chunked answers, Connection: close, silence, an unreachable port.
function load(path, extra) {
  return new Promise((resolve) => {
    const p = spawn(acx, ["send", "contact_added", "--to", base + path, "--scheme", "none", "--format", "json", ...extra]);
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("exit", (code) => {
      let summary = null;
      try { summary = JSON.parse(out); } catch { /* checked below */ }
      resolve({ code, summary });
    });
  });
}
for (const path of ["/chunked", "/close", "/duplicate"]) {
  const r = await load(path, ["-n", "200", "-c", "8"]);
  check(r.code === 0 && r.summary?.accepted === 200, `load ${path}: exit ${r.code}, ${JSON.stringify(r.summary)}`);
  check(seen[path].length === 200, `load ${path}: the server saw ${seen[path].length} requests`);
}
check((await load("/duplicate", ["-n", "10"])).summary?.duplicates === 10, "load counts duplicate answers");
{
  const start = Date.now();
  const r = await load("/silent", ["-n", "4", "-c", "2", "--timeout", "1s"]);
  check(r.code === 5 && r.summary?.errors?.["no answer within 1000 ms"] === 4, `load /silent: ${JSON.stringify(r.summary)}`);
  check(Date.now() - start < 5000 * scale, `load /silent took ${Date.now() - start} ms`);
}
// Lying servers: a chunk size that overflows, a declared length beyond reason, a body that drips forever. Each
// request fails with a reason, within its --timeout, and the process does not spin.
for (const [path, reason] of [["/liar", "malformed"], ["/huge", "more than"], ["/drip", "no answer within 2000 ms"]]) {
  const start = Date.now();
  const r = await load(path, ["-n", "3", "-c", "1", "--timeout", "2s"]);
  const errors = Object.keys(r.summary?.errors ?? {}).join("; ");
  check(r.code === 5 && errors.includes(reason), `load ${path}: exit ${r.code}, errors: ${errors}`);
  check(Date.now() - start < 20000 * scale, `load ${path} took ${Date.now() - start} ms (3 requests, --timeout 2s)`);
}
{
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, "127.0.0.1", r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  const p = spawnSync(acx, ["send", "contact_added", "--to", `http://127.0.0.1:${port}/x`, "--scheme", "none",
    "-n", "50", "-c", "4", "--format", "json"], { timeout: 20000 });
  const summary = JSON.parse(p.stdout.toString() || "null");
  check(p.status === 5 && summary?.sent === 50 && summary?.accepted === 0, `load unreachable: exit ${p.status} ${p.stdout}`);
}

server.closeAllConnections?.();
server.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
