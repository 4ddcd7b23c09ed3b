// The README's proxy recipes, run as written in front of the real binaries: nginx and Caddy (as this test starts them,
// with a certificate it makes) in front of a relay, deliveries through them to the relay and on to laptops, a reload
// in the middle, access logs without the delivery token; the PostgreSQL section's nginx snippet passes nginx -t and
// takes a POST that one upstream answers 503 to the other. Two proxies set up wrong, and what the laptop says of each:
// a read timeout shorter than the keep-alive, and a proxy that buffers the stream.
// Skipped (77) without nginx or caddy: scripts/setup --test installs them.
// Usage: node proxies.mjs path/to/acx
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { acx, check, finish, quietPort, recipe, scratch, startAcx, startListener, track, waitFor, SCALE } from "./lib.mjs";

const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
if (!have("nginx") || !have("caddy")) {
  console.log("SKIP: nginx or caddy is not installed (scripts/setup --test installs nginx-light and caddy)");
  process.exit(77);
}
const replaced = (text, pairs) => pairs.reduce((t, [from, to]) => {
  if (!t.includes(from)) throw new Error(`the recipe no longer has ${from}`);
  return t.replaceAll(from, to);
}, text);

const dir = scratch("proxies");
const TOKEN = "the-delivery-token-0123456789abcdef";
const RELAY_TOKEN = "the-relay-token-0123456789abcdef";
writeFileSync(join(dir, "relay.token"), `${RELAY_TOKEN}\n`, { mode: 0o600 });
const cert = join(dir, "cert.pem");
const key = join(dir, "key.pem");
execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days",
  "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
{ stdio: "ignore" });
const env = { ...process.env, SSL_CERT_FILE: cert };

// The relay, on loopback behind the proxies, as the recipe says.
const relay = await startListener(dir, "relay", ["--secret", TOKEN, "--relay-token-file", join(dir, "relay.token"),
  "--trusted-proxy", "127.0.0.1"]);
const relayOrigin = `127.0.0.1:${relay.port}`;
check(/relaying accepted deliveries on GET \/relay/.test(relay.stderr()), `the relay's start line says it serves /relay: ${relay.stderr()}`);

// nginx with a recipe as its http block; `main` adds to the main context.
async function startNginx(name, serverBlock, main = "") {
  const prefix = join(dir, name);
  mkdirSync(prefix, { recursive: true });
  const conf = join(prefix, "nginx.conf");
  writeFileSync(conf, `${process.getuid() === 0 ? "user root root;\n" : ""}daemon off;\nworker_processes 1;\n` +
    `pid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\n${main}\nevents {}\nhttp {\n` +
    `client_body_temp_path ${prefix}/body;\nproxy_temp_path ${prefix}/proxy;\n${serverBlock}}\n`);
  const t = spawnSync("nginx", ["-t", "-c", conf, "-p", prefix], { encoding: "utf8" });
  check(t.status === 0, `nginx -t on the ${name} recipe: ${t.stderr}`);
  // Stopped with SIGTERM, whatever happens: its master then stops its workers (a SIGKILLed master leaves them running).
  const proc = spawn("nginx", ["-c", conf, "-p", prefix], { stdio: "ignore" });
  process.on("exit", () => proc.kill("SIGTERM"));
  return { proc, conf, prefix, reload: () => execFileSync("nginx", ["-c", conf, "-p", prefix, "-s", "reload"], { stdio: "ignore" }) };
}
const listening = (port) => waitFor(() => new Promise((resolve) => {
  const req = http.get({ host: "127.0.0.1", port, path: "/" }, (res) => { res.resume(); resolve(true); });
  req.on("error", () => resolve(false));
}), 20, `a proxy on port ${port}`);

// A laptop pulling through `origin`; its stdout has a line per delivery.
const laptop = (name, origin) => startAcx(dir, name, ["listen", "--port", "0", "--journal", join(dir, `${name}.db`),
  "--format", "json", "--upstream", origin, "--relay-token-file", join(dir, "relay.token")], { keepStdout: true, env });
const lines = (l) => l.stdout().split("\n").filter(Boolean).length;
// Sends n deliveries through a proxy, one after another (asynchronously: servers in this process answer meanwhile).
const send = async (url, n = 1) => {
  for (let i = 0; i < n; i++) {
    const p = spawn(acx, ["send", "job_created", "--to", url, "--secret", TOKEN], { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    const code = await new Promise((r) => p.on("exit", r));
    check(code === 0, `a delivery through the proxy: ${err}`);
  }
};

// 1. nginx, as the README says, with the worker_shutdown_timeout it advises for reloads.
const nginxPort = await quietPort();
const nginxRecipe = recipe("nginx-relay");
// The relay recipe on `port`, logging to `log`, with `changes` besides (a proxy set up wrong, below).
const relayNginx = (port, log, changes = []) => replaced(nginxRecipe, [["listen 443 ssl;", `listen 127.0.0.1:${port} ssl;`],
  ["/etc/letsencrypt/live/relay.example.com/fullchain.pem", cert], ["/etc/letsencrypt/live/relay.example.com/privkey.pem", key],
  ["/var/log/nginx/acx-relay.log", join(dir, log)], ["http://127.0.0.1:8787", `http://${relayOrigin}`], ...changes]);
const nginx = await startNginx("nginx", relayNginx(nginxPort, "nginx-access.log"), "worker_shutdown_timeout 2s;");
await listening(nginxPort);
const viaNginx = `https://localhost:${nginxPort}`;
const a = await laptop("laptop-nginx", viaNginx);
await waitFor(() => /connected at #0/.test(a.stderr()), 30, "the laptop connected through nginx");
await send(`${viaNginx}/webhooks/acculynx`, 3);
await waitFor(() => lines(a) >= 3, 30, "three deliveries through nginx to the relay and on to the laptop");
nginx.reload();
await send(`${viaNginx}/webhooks/acculynx`);
await waitFor(() => lines(a) >= 4, 30, "a delivery after the reload");
await waitFor(() => /connecting again/.test(a.stderr()), 30, "the old worker's stream closed (worker_shutdown_timeout)");
await send(`${viaNginx}/webhooks/acculynx`);
await waitFor(() => lines(a) >= 5, 30, "a delivery after the laptop connected again");
const ids = a.stdout().split("\n").filter(Boolean).map((l) => JSON.parse(l).eventId);
check(ids.length === 5 && new Set(ids).size === 5, `through the reload: every delivery once: ${ids.length}`);
const nginxLog = readFileSync(join(dir, "nginx-access.log"), "utf8");
check(/"POST \/webhooks\/acculynx HTTP\/1.1" 200/.test(nginxLog) && /"GET \/relay HTTP\/1.1"/.test(nginxLog),
  `nginx logged the deliveries and the streams: ${nginxLog.slice(0, 300)}`);
check(!nginxLog.includes(TOKEN) && !nginxLog.includes(RELAY_TOKEN), "nginx's log keeps neither token");

// 2. Caddy, as the README says (with the test's certificate instead of Let's Encrypt, its admin API on a socket).
const caddyPort = await quietPort();
const caddyDir = join(dir, "caddy");
const admin = `unix/${caddyDir}/admin.sock`;
mkdirSync(caddyDir, { recursive: true });
const caddyfile = join(caddyDir, "Caddyfile");
writeFileSync(caddyfile, `{\n\tadmin ${admin}\n\tstorage file_system ${caddyDir}/data\n\tskip_install_trust\n}\n` +
  replaced(recipe("caddy-relay"), [["relay.example.com {", `https://localhost:${caddyPort} {\n\ttls ${cert} ${key}`],
    ["/var/log/caddy/acx-relay.log", join(dir, "caddy-access.log")], ["127.0.0.1:8787", relayOrigin]]));
const caddyEnv = { ...process.env, HOME: caddyDir, XDG_DATA_HOME: caddyDir, XDG_CONFIG_HOME: caddyDir };
const validated = spawnSync("caddy", ["validate", "--config", caddyfile, "--adapter", "caddyfile"], { env: caddyEnv, encoding: "utf8" });
check(validated.status === 0, `caddy validate on the recipe: ${validated.stderr.slice(-500)}`);
track(spawn("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], { env: caddyEnv, stdio: "ignore" }));
await listening(caddyPort);
const viaCaddy = `https://localhost:${caddyPort}`;
const b = await laptop("laptop-caddy", viaCaddy);
await waitFor(() => /connected at #/.test(b.stderr()), 30, "the laptop connected through Caddy");
await send(`${viaCaddy}/webhooks/acculynx`, 2);
await waitFor(() => lines(b) >= 7, 30, "the relay's deliveries through Caddy to the second laptop");
const reloaded = spawnSync("caddy", ["reload", "--config", caddyfile, "--adapter", "caddyfile", "--address",
  admin, "--force"], { env: caddyEnv, encoding: "utf8" });
check(reloaded.status === 0, `caddy reload: ${reloaded.stderr.slice(-300)}`);
await send(`${viaCaddy}/webhooks/acculynx`);
await waitFor(() => lines(b) >= 8, 30, "a delivery after Caddy's reload");
const bIds = b.stdout().split("\n").filter(Boolean).map((l) => JSON.parse(l).eventId);
check(new Set(bIds).size === bIds.length && bIds.length === 8, `through Caddy's reload: every delivery once: ${bIds.length}`);
await waitFor(() => existsSync(join(dir, "caddy-access.log")) && readFileSync(join(dir, "caddy-access.log"), "utf8")
  .includes("/webhooks/acculynx"), 20, "Caddy's access log");
const caddyLog = readFileSync(join(dir, "caddy-access.log"), "utf8");
check(!caddyLog.includes(TOKEN) && !caddyLog.includes(RELAY_TOKEN), `Caddy's log keeps neither token: ${caddyLog.slice(0, 400)}`);

// 3. The PostgreSQL section's snippet: nginx -t, and a POST one upstream answers 503 taken by the other.
const busy = http.createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(503, { "Retry-After": "5" }).end("down")); });
await new Promise((r) => busy.listen(0, "127.0.0.1", r));
let busyPosts = 0;
busy.on("request", () => busyPosts++);
const hooks = await startListener(dir, "hooks", ["--secret", TOKEN, "--trusted-proxy", "127.0.0.1"]);
const pgPort = await quietPort();
await startNginx("nginx-pg", replaced(recipe("nginx-pg"), [["listen 443 ssl;", `listen 127.0.0.1:${pgPort} ssl;`],
  ["server 10.0.0.11:8801;", `server 127.0.0.1:${busy.address().port};`], ["server 10.0.0.12:8802;", `server 127.0.0.1:${hooks.port};`],
  ["/etc/letsencrypt/live/hooks.example.com/fullchain.pem", cert], ["/etc/letsencrypt/live/hooks.example.com/privkey.pem", key],
  ["/var/log/nginx/acx-hooks.log", join(dir, "nginx-hooks.log")]]));
await listening(pgPort);
await send(`https://localhost:${pgPort}/webhooks/acculynx`, 4);
check(busyPosts >= 1, `nginx tried the upstream that answers 503 (${busyPosts} times), and then the other: every POST 200`);
busy.close();

// 4. A proxy whose read timeout is shorter than the keep-alive: the laptop says so.
const shortPort = await quietPort();
await startNginx("nginx-short", relayNginx(shortPort, "short.log", [["proxy_read_timeout 1h;", "proxy_read_timeout 2s;"]]));
await listening(shortPort);
const c = await laptop("laptop-short", `https://localhost:${shortPort}`);
await waitFor(() => /probably has a read timeout shorter than the keep-alive/.test(c.stderr()), 60,
  "the laptop to name the proxy's read timeout");
check(/after \d s without data, before the relay's 15 s keep-alive, 2 times in a row/.test(c.stderr()),
  `with the figures: ${c.stderr().slice(-600)}`);

// 5. A proxy that buffers the stream (the relay's X-Accel-Buffering ignored): nothing arrives while the relay's newest
// grows, and the laptop says a proxy probably buffers (after its idle limit, 45 s).
const bufPort = await quietPort();
await startNginx("nginx-buffering", relayNginx(bufPort, "buffering.log",
  [["proxy_buffering off;", "proxy_buffering on; proxy_ignore_headers X-Accel-Buffering;"]]));
await listening(bufPort);
const d = await laptop("laptop-buffered", `https://localhost:${bufPort}`);
await send(`${viaNginx}/webhooks/acculynx`);
await waitFor(() => /probably buffering the stream/.test(d.stderr()), 90, "the laptop to name a buffering proxy");
check(/not even the relay's greeting, while its newest delivery is #\d+ and this laptop has #0/.test(d.stderr()),
  `with what it saw: ${d.stderr().slice(-600)}`);
check(lines(d) === 0, "and it stored nothing it did not get");
finish();
