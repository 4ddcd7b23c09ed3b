// Helpers shared by the Node end-to-end tests: checks with a closing count, scaled waits, starting acx servers on
// port 0 and reading their ready file, single requests and raw sockets. Every wait is on an event, bounded by a limit
// multiplied by ACX_TEST_SCALE (higher for the sanitizer build).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync, unlinkSync, mkdirSync, chmodSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import http from "node:http";

export const SCALE = Number(process.env.ACX_TEST_SCALE || 1);
export const acx = process.argv[2];
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let passed = 0;
let failed = 0;
// check(ok, what): counts a check; prints what failed.
export function check(ok, what) {
  if (ok) passed++;
  else {
    failed++;
    console.error(`FAIL: ${what}`);
  }
}

// A scratch directory, removed by finish().
export function scratch(name) {
  const dir = mkdtempSync(join(tmpdir(), `acx-${name}-`));
  started.dir = dir;
  // State of its own (the API budget shared by acx processes lives there): tests running at once do not pace each other.
  process.env.XDG_STATE_HOME = join(dir, "state");
  return dir;
}
const started = { procs: [], dir: null, cleanups: [] };
process.on("exit", () => {
  for (const p of started.procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

// track(proc): a process the test started itself (a proxy, say), killed when the test exits whatever happens.
export function track(proc) {
  started.procs.push(proc);
  return proc;
}

// finish(): prints the closing line ctest's log shows and exits 0 only if checks ran and none failed.
export function finish() {
  for (const cleanup of started.cleanups) cleanup();
  if (started.dir) rmSync(started.dir, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

// waitFor(fn, seconds, what): polls fn every 20 ms until it returns true; throws after seconds * SCALE.
export async function waitFor(fn, seconds, what) {
  const deadline = Date.now() + seconds * 1000 * SCALE;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`waited ${seconds * SCALE} s for ${what}`);
    await sleep(20);
  }
}

// exited(proc): resolves with the exit code (or signal name) once the process has ended.
export const exited = (proc) =>
  new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(proc.exitCode ?? proc.signalCode)
    : proc.on("exit", (code, sig) => r(code ?? sig))));

// quietPort(): a free port below the kernel's ephemeral range (which every bind to port 0 draws from), for a server
// that goes away and comes back on the same port, or for one that must stay down: no other test's port-0 server can
// be given it meanwhile. Candidates start at an offset from the pid (lib.sh's quiet_port uses another range).
export async function quietPort() {
  const base = 26000 + (process.pid % 5000);
  for (let i = 0; i < 500; i++) {
    const free = await new Promise((resolve) => {
      const s = net.createServer();
      s.on("error", () => resolve(false));
      s.listen(base + i, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (free) return base + i;
  }
  throw new Error(`no free port from ${base}`);
}

// startAcx(dir, name, args, stdio): runs `acx ARGS --ready-file ...` and waits for the ready file; resolves
// {proc, port, stderr(), stdout()}.
export async function startAcx(dir, name, args, { keepStdout = false, env = process.env } = {}) {
  const ready = join(dir, `${name}.ready`);
  if (existsSync(ready)) unlinkSync(ready);
  const proc = spawn(acx, [...args, "--ready-file", ready],
    { stdio: ["ignore", keepStdout ? "pipe" : "ignore", "pipe"], env });
  started.procs.push(proc);
  let stderr = "";
  const out = [];
  proc.stderr.on("data", (d) => (stderr += d));
  if (keepStdout) proc.stdout.on("data", (d) => out.push(d));
  await waitFor(() => existsSync(ready) && readFileSync(ready, "utf8").includes(":") || proc.exitCode !== null, 20,
    `acx ${args[0]} ${name} to start`);
  if (!existsSync(ready)) throw new Error(`acx ${args[0]} ${name} did not start: ${stderr}`);
  const port = Number(readFileSync(ready, "utf8").trim().split(":").pop());
  return { proc, port, stderr: () => stderr, stdout: () => Buffer.concat(out).toString() };
}

// startListener(dir, name, args): `acx listen` on a free port with a journal of its own (dir/name.db).
export const startListener = (dir, name, args, opts) =>
  startAcx(dir, name, ["listen", "--port", "0", "--journal", join(dir, `${name}.db`), "--format", "json", ...args], opts);

// request(port, {method, path, headers, body, agent, timeoutMs}): one request; resolves {status, body, ms, headers}
// (status 0 when the connection failed or closed without an answer).
export function request(port, { method = "POST", path = "/webhooks/acculynx", headers = {}, body = "", agent = false,
  timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const start = Date.now();
    const req = http.request({ host: "127.0.0.1", port, method, path, agent,
      headers: { "Content-Type": "application/json", ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks).toString(), ms: Date.now() - start }));
      res.on("close", () => resolve({ status: 0, body: "connection closed mid-answer", ms: Date.now() - start }));
      res.on("error", () => resolve({ status: 0, body: "error mid-answer", ms: Date.now() - start }));
    });
    req.on("error", (e) => resolve({ status: 0, body: String(e), ms: Date.now() - start }));
    req.setTimeout(timeoutMs * SCALE, () => req.destroy(new Error("timeout")));
    req.end(body);
  });
}

// raw(port, chunks, waitMs, {localAddress}): writes raw bytes on a fresh socket; resolves with everything the server
// sent until it closed, or until waitMs (times SCALE) passed.
export function raw(port, chunks, waitMs = 2000, { localAddress } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1", localAddress });
    const got = [];
    s.on("data", (d) => got.push(d));
    s.on("error", () => {});
    s.on("connect", () => { for (const c of chunks) s.write(c); });
    let timer;
    const done = () => { clearTimeout(timer); s.destroy(); resolve(Buffer.concat(got).toString("latin1")); };
    s.on("close", done);
    timer = setTimeout(done, waitMs * SCALE);
  });
}

// connectAll(n, port, opts): opens n sockets and resolves once every one is connected (or failed).
export function connectAll(n, port, { localAddress, onConnect } = {}) {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1", localAddress });
    s.on("error", () => resolve(s));
    s.on("connect", () => { onConnect?.(s); resolve(s); });
  })));
}

// startPostgres(dir): a PostgreSQL 15 server of the test's own: initdb into dir/pg (as `nobody` when the test runs as
// root: PostgreSQL refuses root), on a quiet port of 127.0.0.1 and a socket in that directory, trusted local
// connections, stopped when the test exits. Resolves {uri, stop(), start()}; exits 77 (skipped) when the machine has
// no PostgreSQL server (scripts/setup --test installs postgresql-15).
export async function startPostgres(dir) {
  const bin = ["/usr/lib/postgresql/15/bin", ...(process.env.PATH || "").split(":")]
    .find((d) => existsSync(join(d, "pg_ctl")) && existsSync(join(d, "initdb")));
  if (!bin) {
    console.log("skipped: no PostgreSQL server (pg_ctl, initdb): scripts/setup --test installs postgresql-15");
    process.exit(77);
  }
  const data = join(dir, "pg");
  mkdirSync(data, { mode: 0o700 });
  const root = process.getuid() === 0;
  if (root) {
    chmodSync(dir, 0o755);
    chownSync(data, 65534, 65534); // nobody
  }
  const as = (cmd, args) => root ? ["runuser", ["-u", "nobody", "--", cmd, ...args]] : [cmd, args];
  const run = (cmd, args) => new Promise((resolve, reject) => {
    const [c, a] = as(join(bin, cmd), args);
    const p = spawn(c, a, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")}: ${out}`))));
  });
  const port = await quietPort();
  await run("initdb", ["-D", data, "-U", "acx", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${data} ` +
    "-c shared_buffers=32MB -c max_connections=60";
  const pg = {
    uri: `postgresql://acx@127.0.0.1:${port}/postgres`,
    start: () => run("pg_ctl", ["-D", data, "-l", join(data, "log"), "-o", options, "-w", "-t", String(60 * SCALE),
      "start"]),
    stop: () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]),
    crash: () => run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]), // as a killed server
  };
  await pg.start();
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    const [c, a] = as(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
    spawnSync(c, a, { stdio: "ignore" });
  };
  started.cleanups.push(stopNow);
  process.on("exit", stopNow);
  return pg;
}

// The fenced block after <!-- recipe: NAME --> in README.md: the README's commands and configurations, run as written.
export function recipe(name) {
  const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "README.md"), "utf8");
  const at = readme.indexOf(`<!-- recipe: ${name} -->`);
  if (at < 0) throw new Error(`README.md has no recipe ${name}`);
  const open = readme.indexOf("```", at);
  const start = readme.indexOf("\n", open) + 1;
  return readme.slice(start, readme.indexOf("\n```", start) + 1);
}
