// Crash consistency: under concurrent load, kill -9 the listener, restart it on the same journal: every eventId that
// got a 2xx is there, exactly once. Usage: node crash.mjs path/to/acx
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import http from "node:http";
import { randomUUID } from "node:crypto";
import { acx, check, finish, scratch, waitFor, exited, startListener } from "./lib.mjs";

const dir = scratch("crash");
// The listener on a journal shared by the rounds of one durability mode, checking a token. The process rounds also
// forward to an app and keep a retention, as a team's receiver does: more connections and threads on the journal
// (a restart after kill -9 once found it corrupt that way, 1 run in 3: the writer's constructor used its connection
// from two threads).
const app = http.createServer((req, res) => req.resume().on("end", () => res.writeHead(204).end()));
await new Promise((resolve) => app.listen(0, "127.0.0.1", resolve));
const start = (durability) => startListener(dir, `crash-${durability}`, ["--secret", "tok", "--durability", durability,
  ...(durability === "process" ? ["--forward-to", `http://127.0.0.1:${app.address().port}/`, "--retain", "30d"] : [])]);

const template = execFileSync(acx, ["fixtures", "show", "job.invoice_updated"]).toString();
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function send(port, body) {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/webhooks/acculynx?token=tok", agent,
      headers: { "Content-Type": "application/json" } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      // A kill in the middle of the answer: the exchange did not complete (resolving twice is harmless).
      res.on("close", () => resolve({ status: 0, body: "" }));
      res.on("error", () => resolve({ status: 0, body: "" }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end(body);
  });
}
const withId = (id) => template.replace(/"eventId": "[^"]*"/, `"eventId": "${id}"`);

// Both modes survive kill -9 of acx: disk syncs before each answer, process writes the WAL before each answer.
for (let round = 0; round < 5; round++) {
  const durability = round < 3 ? "disk" : "process";
  const journal = join(dir, `crash-${durability}.db`);
  const L = await start(durability);
  const acked = [];
  let stop = false;
  const workers = Array.from({ length: 16 }, async () => {
    while (!stop) {
      const id = randomUUID();
      const r = await send(L.port, withId(id));
      if (r.status >= 200 && r.status < 300) acked.push(id);
      if (r.status === 0) return;
    }
  });
  // Kill once the load is well under way (a different point in each round).
  await waitFor(() => acked.length >= 100 + (round % 3) * 150, 30, `round ${round}: deliveries acknowledged under load`);
  L.proc.kill("SIGKILL");
  stop = true;
  await Promise.all(workers);
  await exited(L.proc);
  check(acked.length > 50, `round ${round}: only ${acked.length} deliveries were acknowledged before the kill`);

  // Restarted on the same journal, every acknowledged event is there: resending it is a duplicate.
  const R = await start(durability);
  let missing = 0;
  for (const id of acked) {
    const r = await send(R.port, withId(id));
    if (!r.body.includes('"status":"duplicate"')) missing++;
  }
  check(missing === 0, `round ${round}: ${missing} of ${acked.length} acknowledged events were lost in the crash`);
  R.proc.kill("SIGTERM");
  await exited(R.proc);
  agent.destroy();

  // ... and exactly once.
  const q = (sql) => execFileSync("sqlite3", [journal, sql]).toString().trim();
  check(q("SELECT count(*) FROM (SELECT event_id FROM deliveries WHERE status = 'accepted' GROUP BY event_id HAVING count(*) > 1)") === "0",
    `round ${round}: an eventId was accepted twice`);
  const accepted = new Set(q("SELECT event_id FROM deliveries WHERE status = 'accepted'").split("\n"));
  check(acked.every((id) => accepted.has(id)), `round ${round}: an acknowledged eventId is not among the accepted rows`);
}

// A graceful stop under load: SIGTERM finishes in-flight requests, and every acknowledged event is printed once.
{
  const G = await startListener(dir, "graceful", ["--secret", "tok"], { keepStdout: true });
  const port = G.port;
  const acked = [];
  let stop = false;
  const gentle = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const workers = Array.from({ length: 16 }, async () => {
    while (!stop) {
      const id = randomUUID();
      const r = await new Promise((resolve) => {
        const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/webhooks/acculynx?token=tok",
          agent: gentle, headers: { "Content-Type": "application/json" } }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
          res.on("close", () => resolve(0));
          res.on("error", () => resolve(0));
        });
        req.on("error", () => resolve(0));
        req.end(withId(id));
      });
      if (r === 200) acked.push(id);
      if (r === 0) return;
    }
  });
  await waitFor(() => acked.length >= 200, 30, "deliveries acknowledged before SIGTERM");
  G.proc.kill("SIGTERM");
  const code = await exited(G.proc);
  stop = true;
  await Promise.all(workers);
  gentle.destroy();
  check(code === 0, `SIGTERM under load exits ${code}`);
  const printed = G.stdout().trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).eventId);
  const printedSet = new Set(printed);
  check(printed.length === printedSet.size, "an event was printed twice");
  check(acked.length > 50 && acked.every((id) => printedSet.has(id)),
    `of ${acked.length} acknowledged events, ${acked.filter((id) => !printedSet.has(id)).length} were not printed`);
}

app.close();
finish();
