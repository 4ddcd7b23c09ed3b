// mTLS toward the app: nginx with ssl_verify_client on takes forwards from acx with the client certificate and
// refuses them without one; a certificate and key that do not match, or cannot be read, stop the start with a clear
// error. Skipped (77) without nginx: scripts/setup --test installs it.
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync, readFileSync, mkdirSync, existsSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { acx, check, finish, quietPort, scratch, startAcx, startListener, request, waitFor, exited } from "./lib.mjs";
import { makeCerts } from "./certs.mjs";
import { event } from "./apps.mjs";

if (spawnSync("sh", ["-c", "command -v nginx"]).status !== 0) {
  console.log("SKIP: nginx is not installed (scripts/setup --test installs nginx-light)");
  process.exit(77);
}
const dir = scratch("forward-mtls");
const at = (name) => join(dir, name);
makeCerts(dir); // a CA, the server's certificate and a client's, both signed by it; a key of neither

// nginx asking every client for a certificate signed by the CA.
const port = await quietPort();
const prefix = at("nginx");
mkdirSync(prefix, { recursive: true });
const conf = join(prefix, "nginx.conf");
writeFileSync(conf, `${process.getuid() === 0 ? "user root root;\n" : ""}daemon off;\nworker_processes 1;\n` +
  `pid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents {}\nhttp {\n` +
  `client_body_temp_path ${prefix}/body;\nlog_format m '$status $ssl_client_verify $ssl_client_s_dn';\n` +
  `access_log ${prefix}/access.log m;\nserver {\n listen 127.0.0.1:${port} ssl;\n` +
  ` ssl_certificate ${at("server.pem")};\n ssl_certificate_key ${at("server.key")};\n` +
  ` ssl_client_certificate ${at("ca.pem")};\n ssl_verify_client on;\n location / { return 204; }\n}\n}\n`);
const t = spawnSync("nginx", ["-t", "-c", conf, "-p", prefix], { encoding: "utf8" });
check(t.status === 0, `nginx -t: ${t.stderr}`);
const nginx = spawn("nginx", ["-c", conf, "-p", prefix], { stdio: "ignore" });
process.on("exit", () => nginx.kill("SIGTERM"));
await waitFor(() => existsSync(join(prefix, "nginx.pid")), 20, "nginx to start");
const url = `https://127.0.0.1:${port}/app`;
const log = () => (existsSync(join(prefix, "access.log")) ? readFileSync(join(prefix, "access.log"), "utf8") : "");

// 1. With the client certificate: taken.
{
  const l = await startListener(dir, "with", ["--forward-to", url, "--forward-cacert", at("ca.pem"),
    "--forward-cert", at("client.pem"), "--forward-key", at("client.key")], { keepStdout: true });
  await request(l.port, { body: event(1, 0).body });
  await waitFor(() => /"state":"delivered"/.test(l.stdout()), 30, "the forward");
  check(/^204 SUCCESS CN=acx-forwarder$/m.test(log()), `nginx verified acx's certificate (${log().trim()})`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
}

// 1b. A profile's route with cert, key and cacert: taken the same.
{
  const port = await quietPort();
  const token = "b".repeat(64);
  const config = at("config.toml");
  writeFileSync(config, `[profiles.p]\n[[profiles.p.subscriptions]]\nid = "f30009c1-b6e3-432a-9a0e-6932c9fabdd8"\n` +
    `url = "http://127.0.0.1:${port}/hooks"\ntoken = "${token}"\nsecret_in = "query"\n` +
    `topics = ["job.milestone.current_changed"]\n\n[[profiles.p.forward]]\nurl = "${url}"\nname = "route"\n` +
    `cert = "${at("client.pem")}"\nkey = "${at("client.key")}"\ncacert = "${at("ca.pem")}"\n`);
  chmodSync(config, 0o600);
  const l = await startAcx(dir, "route", ["listen", "--profile", "p", "--config", config, "--port", String(port),
    "--journal", at("route.db"), "--format", "json"], { keepStdout: true });
  await request(port, { path: `/hooks?token=${token}`, body: event(3, 0).body });
  await waitFor(() => /"forward":"route".*"state":"delivered"/.test(l.stdout()), 30, "the route's forward");
  check((log().match(/^204 SUCCESS CN=acx-forwarder$/mg) || []).length === 2,
    `a route's cert, key and cacert reach the app (${log().trim()})`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
}

// 2. Without it: refused (nginx answers 400), so the event is dead, saying why.
{
  const l = await startListener(dir, "without", ["--forward-to", url, "--forward-cacert", at("ca.pem")],
    { keepStdout: true });
  await request(l.port, { body: event(2, 0).body });
  await waitFor(() => /"state":"dead"/.test(l.stdout()), 30, "the refused forward");
  check(/"status":400/.test(l.stdout()) && /No required SSL certificate was sent/.test(l.stdout()),
    `without a certificate nginx refuses: ${l.stdout().trim()}`);
  check(/^400 NONE/m.test(log()), "nginx saw no client certificate");
  l.proc.kill("SIGTERM");
  await exited(l.proc);
}

// 3. Mistakes stop the start, naming what is wrong.
const start = (args) => spawnSync(acx, ["listen", "--port", "0", "--journal", at("bad.db"), "--forward-to", url, ...args],
  { encoding: "utf8", timeout: 20_000 });
const mismatch = start(["--forward-cert", at("client.pem"), "--forward-key", at("other.key")]);
check(mismatch.status === 3 && /the key is not the certificate's: they do not match/.test(mismatch.stderr),
  `a key that is not the certificate's: exit 3 (${mismatch.status}: ${mismatch.stderr.trim()})`);
const missing = start(["--forward-cert", at("nope.pem"), "--forward-key", at("client.key")]);
check(missing.status === 3 && /nope\.pem/.test(missing.stderr), `an unreadable certificate: exit 3 (${missing.stderr.trim()})`);
const half = start(["--forward-cert", at("client.pem")]);
check(half.status === 2 && /needs both the certificate and its key/.test(half.stderr), `a certificate without its key: exit 2 (${half.stderr.trim()})`);
const notCa = start(["--forward-cacert", at("ca.key")]);
check(notCa.status === 3 && /holds no PEM certificate/.test(notCa.stderr), `a CA file with no certificate: exit 3 (${notCa.stderr.trim()})`);

nginx.kill("SIGTERM");
finish();
