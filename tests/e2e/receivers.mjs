// Reference webhook receivers for the acx check tests: a correct one, and one per defect. Each is an ordinary Node
// HTTP server doing what a developer's receiver does (method, token or Standard Webhooks signature, content type,
// size, JSON, envelope, subscription allow-list, idempotency by eventId), with exactly one thing done wrong.
//   correct            everything right
//   not-idempotent     500 when an eventId comes again
//   no-dedup           accepts copies with 200 but processes every one (only --processed can tell)
//   ignores-token      accepts any token, or none
//   ignores-timestamp  checks the Standard Webhooks signature but not how old it is
//   slow               processes inline (`inlineMs` each): with more than 4 deliveries in flight, answers wait `slowMs`
//   refuses-unknown    400 for a topic it does not know
//   500-on-malformed   500 when the body is not JSON
//   200-to-get         answers GET with 200
//   redirects          answers 308 where it should answer 200
//   needs-header       400 unless the request has X-Tenant: acme (a header acx check sends only with -H)
//   501-to-get         answers GET and PUT with 501 (what RFC 9110 prescribes for a method it does not support)
//   hides-refusal      answers a missing or wrong credential with 200 "Hook rules were not satisfied."
//   500-on-bad-credential  answers a missing or wrong credential with 500
//   lenient            takes any body after the credential, up to 16 MiB (no JSON, no envelope, no 413 at 1 MiB)
//   500-on-oversized   500 instead of 413 for a body over 1 MiB
//   refuses-after-setup  429 to everything after the first POST
//   silent-after-setup   never answers after the first POST
// Modes combine with "+" ("needs-header+ignores-token").
// GET /processed?id=EVENTID answers how many times that event was processed (for acx check --processed).
import http from "node:http";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import { acx, check } from "./lib.mjs";

const TOPICS = new Set([
  "contact_added", "contact_changed", "contact.custom-field.status_changed", "contact.custom-field.value_changed",
  "job_created", "job_updated", "job.accounting.integration-status.current_changed",
  "job.appointments.initial_created", "job.appointments.initial_updated", "job.category_changed",
  "job.contacts.primary_changed", "job.custom-field.status_changed", "job.custom-field.value_changed",
  "job.financials.approved-value_changed", "job.invoice_updated", "job.invoice_voided",
  "job.milestone.current_changed", "job.milestone.status.current_changed", "job.representatives.company_assigned",
  "job.representatives.company_changed", "job.trade-type_changed", "job.work-type_changed", "job-milestone-changed",
]);
const MAX_BODY = 1 << 20;
const PATH = "/hook";

function standardValid(secret, headers, body, checkTime) {
  const id = headers["webhook-id"];
  const ts = headers["webhook-timestamp"];
  const sigs = headers["webhook-signature"];
  if (!id || !ts || !sigs) return false;
  if (checkTime && Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const want = crypto.createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest();
  return sigs.split(" ").some((s) => {
    const [v, b64] = s.split(",");
    const got = Buffer.from(b64 || "", "base64");
    return v === "v1" && got.length === want.length && crypto.timingSafeEqual(got, want);
  });
}

// startReceiver(mode, {scheme: "token"|"standard", secret, subscription, slowMs}): resolves {port, url, close()}.
export function startReceiver(modes, { scheme = "token", secret, subscription, slowMs = 3000, inlineMs = 50 } = {}) {
  const processed = new Map(); // eventId -> times processed
  const is = (m) => modes.split("+").includes(m);
  const mode = modes.split("+").find((m) => m !== "needs-header") ?? "correct"; // the defect, with or without the header
  const maxBody = is("lenient") ? 16 << 20 : MAX_BODY;
  let inFlight = 0;
  let posts = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const answer = (status, body = "", headers = {}) => {
      res.writeHead(status, { "Content-Type": "text/plain", ...headers });
      res.end(body);
    };
    if (url.pathname === "/processed") return answer(200, String(processed.get(url.searchParams.get("id")) || 0));
    if (url.pathname !== PATH) return answer(404);
    if (req.method === "POST" && ++posts > 1 && mode === "silent-after-setup") return;
    if (mode === "silent") return; // never answers
    if (posts > 1 && mode === "refuses-after-setup") return answer(429, "slow down");
    if (is("needs-header") && req.headers["x-tenant"] !== "acme") return answer(400, "missing X-Tenant");
    if (req.method !== "POST" && mode === "501-to-get") return answer(501, "not implemented");
    // As adnanh/webhook: a GET that carries the signature runs the hook (which fails on no body); one without, 200.
    if (req.method === "GET" && mode === "500-to-signed-get") {
      return req.headers["webhook-signature"] ? answer(500, "hook failed") : answer(200, "ok");
    }
    if (req.method !== "POST") return mode === "200-to-get" && req.method === "GET" ? answer(200, "ok") : answer(405, "", { Allow: "POST" });
    if (Number(req.headers["content-length"] || 0) > maxBody) {
      if (mode === "500-on-oversized") return answer(500, "out of memory");
      res.writeHead(413, { Connection: "close" });
      res.end("too large");
      req.destroy();
      return;
    }
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
    });
    req.on("end", async () => {
      if (size > maxBody) return answer(413);
      const body = Buffer.concat(chunks).toString();
      const refuse = () => mode === "hides-refusal" ? answer(200, "Hook rules were not satisfied.")
        : mode === "500-on-bad-credential" ? answer(500, "crashed") : answer(401);
      if (scheme === "token" && mode !== "ignores-token" && url.searchParams.get("token") !== secret) return refuse();
      if (scheme === "standard" && !standardValid(secret, req.headers, body, mode !== "ignores-timestamp")) return refuse();
      if (mode === "lenient") return answer(200, "ok");
      if (!(req.headers["content-type"] || "").startsWith("application/json")) return answer(415);
      let env;
      try {
        env = JSON.parse(body);
      } catch {
        // The defective one also answers with bytes a report must survive: invalid UTF-8, controls, markup.
        if (mode === "500-on-malformed") {
          res.writeHead(500, { "Content-Type": "text/html" });
          return res.end(Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x1b]), Buffer.from("[31m<b>&]]></b>\"")]));
        }
        return answer(400, "not JSON");
      }
      if (typeof env !== "object" || env === null || Array.isArray(env)) return answer(400, "not an envelope");
      const topic = env.topicName ?? env.topicNamee;
      if (typeof topic !== "string" || typeof env.eventId !== "string") return answer(400, "not an envelope");
      if (subscription && env.subscriptionId !== subscription) return answer(403, "not our subscription");
      if (mode === "refuses-unknown" && !TOPICS.has(topic)) return answer(400, "unknown topic");
      const seen = processed.has(env.eventId);
      if (seen && mode === "not-idempotent") return answer(500, "duplicate key");
      if (mode === "slow") {
        // Inline processing: every answer waits for it, so concurrent deliveries pile up; a delivery that found more
        // than 4 being processed with it waits longer than acx check's --timeout (and no longer counts as processing).
        inFlight++;
        await new Promise((r) => setTimeout(r, inlineMs));
        const crowded = inFlight > 4;
        inFlight--;
        if (crowded) await new Promise((r) => setTimeout(r, slowMs));
      }
      if (!seen || mode === "no-dedup") processed.set(env.eventId, (processed.get(env.eventId) || 0) + 1);
      if (mode === "redirects") return answer(308, "", { Location: `${PATH}/` });
      answer(200, seen ? "duplicate" : "accepted");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const port = server.address().port;
    resolve({ port, url: `http://127.0.0.1:${port}${PATH}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) });
  }));
}

// Runs a command without blocking the event loop (the receivers live in this process); resolves {code, out, err}.
export function spawned(command, args, options, onStart) {
  return new Promise((resolve) => {
    const p = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    onStart?.(p, () => err);
    p.on("exit", (code, signal) => resolve({ code: code ?? signal, out, err }));
  });
}

// The classes ("2", "4", ...) of the answers a reproduction line printed: curl -i's status lines, acx send's attempts
// and its load-mode summary.
function classes(out) {
  const got = new Set();
  for (const m of out.matchAll(/^HTTP\/[\d.]+ ([2-5])\d\d/gm)) got.add(m[1]); // not 100 Continue
  for (const m of out.matchAll(/attempt \d+: (\d)\d\d /g)) got.add(m[1]);
  if (/^accepted\s+[1-9]/m.test(out)) got.add("2");
  for (const m of out.matchAll(/\((\d)\d\d: \d+/g)) got.add(m[1]);
  return got;
}
// Each reproduction in `report`, run by sh in `dir` with the secret in $ACX_SECRET and acx on the PATH,
// gets only answers of the classes its check saw (a check whose requests timed out is left out: no class to match).
export async function reproductions(dir, report, secret, label) {
  let ran = 0;
  for (const c of report?.checks ?? []) {
    if (!c.reproduce || c.requests.some((q) => q.status === 0)) continue;
    const r = await spawned("sh", ["-c", c.reproduce], { cwd: dir,
      env: { ...process.env, ACX_SECRET: secret, PATH: `${dirname(acx)}:${process.env.PATH}` } });
    [r.stdout, r.stderr] = [r.out, r.err];
    const seen = new Set(c.requests.map((q) => String(q.status)[0]));
    const got = classes(r.stdout + r.stderr);
    check(got.size > 0 && [...got].every((k) => seen.has(k)),
      `${label}: ${c.id}'s reproduction got ${[...got].map((k) => `${k}xx`).join(", ") || "nothing"}, the check saw ` +
      `${[...seen].map((k) => `${k}xx`).join(", ")}: ${c.reproduce.slice(0, 300)}\n${(r.stdout + r.stderr).slice(0, 400)}`);
    ran++;
  }
  return ran;
}

