// The NATS JetStream output, against a real nats-server -js that this test starts, read back with the nats.js client
// (pinned in package-lock.json):
// 1. 300 events over 10 jobs, signed (standard): the server is killed (-9) mid-stream and restarted on the same store;
//    the stream holds every event once, each job's in order, with Nats-Msg-Id = the eventId, acx's headers, a
//    traceparent, the body byte for byte and a signature the Standard Webhooks library accepts. An event larger than
//    the server's max_payload, and one that is larger only with its headers, are dead, saying so; the others go on.
// 2. 1,000 events through a listener killed -9 midway and started again on its journal: each eventId once in the
//    stream (JetStream drops what is handed over again), each job in order; a second consumer handing all 1,000 over
//    again adds nothing.
// 3. nats+tls:// with --forward-cacert and a client certificate, to a server that verifies it.
// 4. ?creds=FILE: a user's JWT and NKEY seed, to a server in operator mode (JWTs made here with nkeys.js, pinned).
// 5. Mistakes: no subject, the token scheme, a server without JetStream (retried, saying why), a creds file that cannot
//    be read or is not one.
// Skipped (77) without nats-server: scripts/setup --test installs it.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { connect, credsAuthenticator } from "nats";
import { createOperator, createAccount, createUser } from "nkeys.js";
import { Webhook } from "standardwebhooks";
import { acx, check, finish, quietPort, scratch, startListener, waitFor, exited, SCALE } from "../e2e/lib.mjs";
import { makeCerts } from "../e2e/certs.mjs";
import { event, post } from "../e2e/apps.mjs";

if (spawnSync("sh", ["-c", "command -v nats-server"]).status !== 0) {
  console.log("SKIP: nats-server is not installed (scripts/setup --test installs it)");
  process.exit(77);
}
const dir = scratch("nats");
const at = (name) => join(dir, name);
const servers = [];
process.on("exit", () => servers.forEach((s) => s.proc.exitCode === null && s.proc.kill("SIGKILL")));

// A nats-server with `conf` (its listen line and store dir added); resolves when it says it is ready.
async function startServer(name, port, conf) {
  const file = at(`${name}.conf`);
  writeFileSync(file, `listen: 127.0.0.1:${port}\n${conf}\n`);
  const proc = spawn("nats-server", ["-c", file], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => (log += d));
  const server = { proc, port, log: () => log };
  servers.push(server);
  await waitFor(() => /Server is ready/.test(log) || proc.exitCode !== null, 30, `nats-server ${name} to start`);
  check(proc.exitCode === null, `nats-server ${name} started (${log.trim().split("\n").pop()})`);
  return server;
}

// How many messages a stream holds (its info alone: cheap enough to poll).
async function messagesIn(port, stream) {
  const nc = await connect({ servers: `127.0.0.1:${port}` });
  const info = await (await nc.jetstreamManager()).streams.info(stream);
  await nc.close();
  return info.state.messages;
}

// Every message of a stream, in order: {seq, subject, id (Nats-Msg-Id), headers, body}.
async function readStream(port, stream, opts = {}) {
  const nc = await connect({ servers: `127.0.0.1:${port}`, ...opts });
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    const headers = {};
    for (const [k, v] of m.header) headers[k.toLowerCase()] = v.join(",");
    out.push({ seq, subject: m.subject, id: m.header.get("Nats-Msg-Id"), headers, body: new TextDecoder().decode(m.data) });
  }
  await nc.close();
  return { info, messages: out };
}

const delivered = (l) => (l.stdout().match(/"state":"delivered"/g) || []).length;
const jobOf = (body) => JSON.parse(body).event.job.id;

// Each job's events in journal order (X-Acx-Seq), as acx keeps them for HTTP.
function inOrder(messages) {
  const last = new Map();
  return messages.every((m) => {
    const seq = Number(m.headers["x-acx-seq"]);
    const ok = (last.get(jobOf(m.body)) ?? 0) < seq;
    last.set(jobOf(m.body), seq);
    return ok;
  });
}

// 1. The server killed and restarted mid-stream.
{
  const port = await quietPort();
  const conf = `max_payload: 8192\njetstream { store_dir: "${at("store1")}" }`;
  let server = await startServer("one", port, conf);
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const url = `nats://127.0.0.1:${port}/acx.events?stream=HOOKS`;
  const l = await startListener(dir, "restart", ["--forward-to", url, "--forward-secret", secret,
    "--forward-scheme", "standard", "--forward-rate", "100/s"], { keepStdout: true });
  const events = Array.from({ length: 300 }, (_, i) => event(i % 10, i));
  const big = event(3, 150);
  big.body = big.body.replace('"step 150"', `"step 150", "notes": "${"x".repeat(9000)}"`);
  events[150] = big;
  const near = event(4, 200); // under max_payload alone, over it with its headers
  near.body = near.body.replace('"step 200"', `"step 200", "notes": "${"y".repeat(8100 - near.body.length)}"`);
  events[200] = near;
  const posting = post(l.port, events, 8);
  await waitFor(() => delivered(l) >= 60, 60, "the first forwards");
  server.proc.kill("SIGKILL");
  await exited(server.proc);
  const before = delivered(l);
  await waitFor(() => /"state":"retry"/.test(l.stdout()), 60, "a forward failing while the server is down");
  server = await startServer("one-again", port, conf);
  await posting;
  await waitFor(() => delivered(l) >= 298, 120, "every event but the two big ones handed over");
  check(before < 298, `the server was killed mid-stream (${before} of 298 handed over then)`);
  const retries = (l.stdout().match(/"state":"retry"/g) || []).length;
  console.log(`server killed after ${before} of 298 events were handed over; ${retries} attempts failed until it was back`);
  const dead = l.stdout().split("\n").filter((line) => /"state":"dead"/.test(line));
  const deadOf = (e) => dead.find((line) => line.includes(e.id)) || "";
  check(dead.length === 2 && /\d+ bytes is more than the server's max_payload \(8192 bytes\)/.test(deadOf(big)) &&
    /\d+ bytes with its headers is more than the server's max_payload/.test(deadOf(near)),
  `the events over max_payload (alone, and with the headers) are dead, saying why: ${dead.join(" | ")}`);
  const { info, messages } = await readStream(port, "HOOKS");
  const ids = messages.map((m) => m.id);
  check(info.config.subjects.join() === "acx.events", `acx made stream HOOKS for the subject (${info.config.subjects})`);
  check(info.config.duplicate_window === 3600e9, `with a one-hour duplicate window (${info.config.duplicate_window} ns)`);
  check(messages.length === 298 && new Set(ids).size === 298, `every event in the stream once (${messages.length} messages, ${new Set(ids).size} ids)`);
  const sent = new Map(events.map((e) => [e.id, e]));
  check(messages.every((m) => sent.get(m.id)?.body === m.body), "Nats-Msg-Id is the eventId; the body byte for byte");
  check(inOrder(messages), "each job's events in order");
  const h = messages[0].headers;
  check(h["x-acx-topic"] === "job.milestone.current_changed" && h["x-acx-event-id"] === messages[0].id &&
    /^\d+$/.test(h["x-acx-seq"]) && h["content-type"] === "application/json",
    `acx's headers as NATS headers: ${JSON.stringify(h)}`);
  check(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(h.traceparent), `a traceparent (${h.traceparent})`);
  let verified = true;
  try {
    new Webhook(secret).verify(messages[0].body, { "webhook-id": h["webhook-id"],
      "webhook-timestamp": h["webhook-timestamp"], "webhook-signature": h["webhook-signature"] });
  } catch (e) {
    verified = String(e);
  }
  check(verified === true, `the Standard Webhooks library verifies the signature in the headers (${verified})`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  server.proc.kill("SIGTERM");
  await exited(server.proc);
}

// 2. The listener killed -9 midway, then started again on its journal; then a second consumer hands all over again.
{
  const port = await quietPort();
  const server = await startServer("two", port, `jetstream { store_dir: "${at("store2")}" }`);
  const url = `nats://127.0.0.1:${port}/acx.crash`;
  const args = ["--forward-to", url, "--forward-rate", "50/s"]; // 20 s for all: the kill lands midway
  const first = await startListener(dir, "crash", args, { keepStdout: true });
  const events = Array.from({ length: 1000 }, (_, i) => event(i % 10, i));
  await post(first.port, events, 8);
  await waitFor(() => delivered(first) >= 200, 60, "200 forwards");
  first.proc.kill("SIGKILL");
  await exited(first.proc);
  const before = delivered(first);
  check(before < 1000, `the listener was killed midway (${before} of 1000 handed over then)`);
  const second = await startListener(dir, "crash", args, { keepStdout: true });
  await waitFor(async () => (await messagesIn(port, "ACX_CRASH")) >= 1000, 120,
    "1000 messages in the stream");
  const { messages } = await readStream(port, "ACX_CRASH");
  const ids = new Set(messages.map((m) => m.id));
  check(messages.length === 1000 && ids.size === 1000 && events.every((e) => ids.has(e.id)),
    `each eventId once in the stream (${messages.length} messages, ${ids.size} ids)`);
  check(inOrder(messages), "each job's events in order across the crash");
  const republished = (second.stdout().match(/a repeat, dropped by JetStream/g) || []).length;
  console.log(`listener killed after ${before} of 1000; after its restart ${republished} handed over again were dropped as repeats`);
  second.proc.kill("SIGTERM");
  await exited(second.proc);
  // Another consumer of the same journal, from its start: 1,000 hand-overs, each a repeat JetStream drops.
  const again = await startListener(dir, "crash", [...args.slice(0, 2), "--name", "again", "--forward-from", "start"],
    { keepStdout: true });
  await waitFor(() => delivered(again) >= 1000, 120, "1000 hand-overs again");
  const repeats = (again.stdout().match(/a repeat, dropped by JetStream/g) || []).length;
  const after = await readStream(port, "ACX_CRASH");
  check(repeats === 1000 && after.info.state.messages === 1000,
    `all 1000 again are repeats JetStream drops (${repeats}); the stream still holds ${after.info.state.messages}`);
  again.proc.kill("SIGTERM");
  await exited(again.proc);
  server.proc.kill("SIGTERM");
  await exited(server.proc);
}

// 3. nats+tls:// to a server that verifies the client's certificate.
{
  makeCerts(dir);
  const port = await quietPort();
  const server = await startServer("tls", port, `jetstream { store_dir: "${at("store3")}" }\n` +
    `tls { cert_file: "${at("server.pem")}", key_file: "${at("server.key")}", ca_file: "${at("ca.pem")}", verify: true }`);
  const l = await startListener(dir, "tls", ["--forward-to", `nats+tls://127.0.0.1:${port}/acx.tls`,
    "--forward-cacert", at("ca.pem"), "--forward-cert", at("client.pem"), "--forward-key", at("client.key")],
  { keepStdout: true });
  const events = Array.from({ length: 5 }, (_, i) => event(1, i));
  await post(l.port, events);
  await waitFor(() => delivered(l) >= 5, 60, "5 forwards over TLS");
  const tls = { tls: { caFile: at("ca.pem"), certFile: at("client.pem"), keyFile: at("client.key") } };
  const { messages } = await readStream(port, "ACX_TLS", tls);
  check(messages.length === 5 && inOrder(messages), `5 events in the stream over TLS (${messages.length})`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  // Without the client certificate the server refuses the connection: retried, saying why.
  const bare = await startListener(dir, "tls-bare", ["--forward-to", `nats+tls://127.0.0.1:${port}/acx.tls`,
    "--forward-cacert", at("ca.pem")], { keepStdout: true });
  await post(bare.port, [event(2, 0)]);
  await waitFor(() => /"state":"retry"/.test(bare.stdout()), 60, "a refused TLS connection");
  check(/cannot connect to tls:\/\/127\.0\.0\.1/.test(bare.stdout()), `the answer says why: ${bare.stdout().trim().split("\n").pop()}`);
  bare.proc.kill("SIGTERM");
  await exited(bare.proc);
  server.proc.kill("SIGTERM");
  await exited(server.proc);
}

// 4. A credentials file: the server trusts an operator, whose account signed the user's JWT.
{
  const b64 = (x) => Buffer.from(x).toString("base64url");
  const jwt = (issuer, subject, name, nats) => {
    const header = b64(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
    const payload = b64(JSON.stringify({ jti: b64(crypto.getRandomValues(new Uint8Array(16))),
      iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), name, sub: subject.getPublicKey(),
      nats: { ...nats, version: 2 } }));
    return `${header}.${payload}.${b64(issuer.sign(Buffer.from(`${header}.${payload}`)))}`;
  };
  const operator = createOperator();
  const account = createAccount();
  const system = createAccount();
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1,
    mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
  const creds = (signer, name) => {
    const user = createUser();
    const file = at(`${name}.creds`);
    writeFileSync(file, `-----BEGIN NATS USER JWT-----\n${jwt(signer, user, name, { type: "user", pub: {}, sub: {},
      subs: -1, data: -1, payload: -1 })}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n` +
      `${new TextDecoder().decode(user.getSeed())}\n------END USER NKEY SEED------\n`, { mode: 0o600 });
    return file;
  };
  const port = await quietPort();
  const server = await startServer("creds", port, `operator: ${jwt(operator, operator, "acx-test", { type: "operator" })}\n` +
    `system_account: ${system.getPublicKey()}\nresolver: MEMORY\nresolver_preload: {\n` +
    ` ${account.getPublicKey()}: ${jwt(operator, account, "acx", { type: "account", limits: unlimited })}\n` +
    ` ${system.getPublicKey()}: ${jwt(operator, system, "SYS", { type: "account", limits: {} })}\n}\n` +
    `jetstream { store_dir: "${at("store4")}" }`);
  const good = creds(account, "forwarder");
  const l = await startListener(dir, "creds", ["--forward-to", `nats://127.0.0.1:${port}/acx.creds?creds=${good}`],
    { keepStdout: true });
  await post(l.port, [event(1, 0), event(1, 1)]);
  await waitFor(() => delivered(l) >= 2, 60, "2 forwards with a credentials file");
  const reader = { authenticator: credsAuthenticator(readFileSync(creds(account, "reader"))) };
  const { messages } = await readStream(port, "ACX_CREDS", reader);
  check(messages.length === 2 && inOrder(messages), `2 events in the stream with the credentials (${messages.length})`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  // A user whose JWT no account the server knows signed: refused by the server, retried, saying why.
  const stranger = creds(createAccount(), "stranger");
  const refused = await startListener(dir, "stranger", ["--forward-to", `nats://127.0.0.1:${port}/acx.creds?creds=${stranger}`],
    { keepStdout: true });
  await post(refused.port, [event(2, 0)]);
  await waitFor(() => /"state":"retry"/.test(refused.stdout()), 60, "a refused user");
  const answer = refused.stdout().trim().split("\n").pop();
  check(/[Aa]uthoriz/.test(answer) && !answer.includes(readFileSync(stranger, "utf8").split("\n")[4]),
    `the answer says the server refused the user, and no seed: ${answer}`);
  refused.proc.kill("SIGTERM");
  await exited(refused.proc);
  server.proc.kill("SIGTERM");
  await exited(server.proc);
}

// 5. Mistakes, said clearly.
{
  const start = (args) => spawnSync(acx, ["listen", "--port", "0", "--journal", at("bad.db"), ...args],
    { encoding: "utf8", timeout: 20_000 * SCALE });
  const noSubject = start(["--forward-to", "nats://127.0.0.1:4222"]);
  check(noSubject.status === 2 && /no subject: nats:\/\/HOST:PORT\/SUBJECT/.test(noSubject.stderr),
    `no subject: exit 2 (${noSubject.status}: ${noSubject.stderr.trim()})`);
  const token = start(["--forward-to", "nats://127.0.0.1:4222/a", "--forward-secret", "s3cr3t-s3cr3t-s3cr3t"]);
  check(token.status === 2 && /token scheme puts the secret in the URL/.test(token.stderr) && !token.stderr.includes("s3cr3t"),
    `the token scheme: exit 2, the secret not shown (${token.status}: ${token.stderr.trim()})`);
  const missing = start(["--forward-to", `nats://127.0.0.1:4222/a?creds=${at("none.creds")}`]);
  check(missing.status === 3 && /\?creds=: cannot open .*none\.creds/.test(missing.stderr),
    `a creds file that cannot be read: exit 3 (${missing.status}: ${missing.stderr.trim()})`);
  const notCreds = start(["--forward-to", `nats://127.0.0.1:4222/a?creds=${at("ca.pem")}`]);
  check(notCreds.status === 3 && /is not a NATS credentials file/.test(notCreds.stderr),
    `a file that is not a creds file: exit 3 (${notCreds.status}: ${notCreds.stderr.trim()})`);
  const port = await quietPort();
  const server = await startServer("plain", port, "");
  const l = await startListener(dir, "nojs", ["--forward-to", `nats://127.0.0.1:${port}/acx.nojs`], { keepStdout: true });
  await post(l.port, [event(1, 0)]);
  await waitFor(() => /"state":"retry"/.test(l.stdout()), 60, "a retry for a server without JetStream");
  check(/is JetStream enabled: nats-server -js\?/.test(l.stdout()), `the answer says why: ${l.stdout().trim().split("\n").pop()}`);
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  server.proc.kill("SIGTERM");
  await exited(server.proc);
}

finish();
