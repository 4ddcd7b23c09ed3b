// What the forwarding tests share: events of the job.milestone.current_changed fixture, a poster, and an app that
// records what it is handed.
import { readFileSync } from "node:fs";
import http from "node:http";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import crypto from "node:crypto";
import { sleep } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, "..", "..", "fixtures", "job.milestone.current_changed.json"), "utf8"));

// An event for job number `job`: a fresh eventId; the body's bytes are what the app must receive.
export function event(job, n) {
  const e = structuredClone(fixture);
  e.eventId = crypto.randomUUID();
  e.event.job.id = `00000000-0000-4000-8000-${String(job).padStart(12, "0")}`;
  e.event.job.milestone.name = `step ${n}`;
  // Odd spacing: forwarding must not re-serialise.
  return { id: e.eventId, job, body: JSON.stringify(e).replace('"topicName":', '"topicName" :  ') };
}

// Posts events to the listener, `concurrency` at a time; resolves when all are acknowledged.
export async function post(port, events, concurrency = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const one = (e) => new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/webhooks/acculynx", agent,
      headers: { "Content-Type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`listener answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(e.body);
  });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < events.length) await one(events[next++]);
  }));
  agent.destroy();
}

// The app: records every delivery (eventId, seq, body, headers, time); `answer(req, body)` picks the status.
export async function startApp({ answer = () => 200, port = 0, delayMs = 0 } = {}) {
  const app = { got: [], answer };
  app.server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString();
      const entry = { id: req.headers["x-acx-event-id"], seq: Number(req.headers["x-acx-seq"]), body, headers: req.headers,
        url: req.url, at: Date.now() };
      if (delayMs) await sleep(delayMs);
      const status = app.answer(entry);
      app.got.push({ ...entry, status });
      const extra = status === 429 ? { "Retry-After": "2" } : {};
      res.writeHead(status, { "Content-Type": "text/plain", ...extra });
      res.end(status === 200 ? "ok" : `no: ${status}\nsecond line`);
    });
  });
  await new Promise((r) => app.server.listen(port, "127.0.0.1", r));
  app.port = app.server.address().port;
  app.url = `http://127.0.0.1:${app.port}/app`;
  app.stop = () => new Promise((r) => { app.server.closeAllConnections(); app.server.close(r); });
  app.accepted = () => app.got.filter((g) => g.status === 200);
  return app;
}

