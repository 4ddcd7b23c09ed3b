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
// GET /processed?id=EVENTID answers how many times that event was processed (for acx check --processed).
import http from "node:http";
import crypto from "node:crypto";

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
export function startReceiver(mode, { scheme = "token", secret, subscription, slowMs = 3000, inlineMs = 50 } = {}) {
  const processed = new Map(); // eventId -> times processed
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const answer = (status, body = "", headers = {}) => {
      res.writeHead(status, { "Content-Type": "text/plain", ...headers });
      res.end(body);
    };
    if (url.pathname === "/processed") return answer(200, String(processed.get(url.searchParams.get("id")) || 0));
    if (url.pathname !== PATH) return answer(404);
    if (req.method !== "POST") return mode === "200-to-get" && req.method === "GET" ? answer(200, "ok") : answer(405, "", { Allow: "POST" });
    if (Number(req.headers["content-length"] || 0) > MAX_BODY) {
      res.writeHead(413, { Connection: "close" });
      res.end("too large");
      req.destroy();
      return;
    }
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", async () => {
      if (size > MAX_BODY) return answer(413);
      const body = Buffer.concat(chunks).toString();
      if (scheme === "token" && mode !== "ignores-token" && url.searchParams.get("token") !== secret) return answer(401);
      if (scheme === "standard" && !standardValid(secret, req.headers, body, mode !== "ignores-timestamp")) return answer(401);
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
