// The relay's memory is a byte budget: a relay holding 150 deliveries of 1 MB serves a laptop catching up on all of
// them while another laptop takes live deliveries, and stays under 200 MB; every delivery reaches each laptop, byte
// for byte; one relay token holds at most --relay-max-streams streams (another token still gets one); SIGTERM while
// a laptop catches up ends the relay cleanly. (RSS is not checked in the sanitizer builds, whose allocator keeps
// freed memory in quarantine; the latency and SIGTERM figures are bench/relay_budget.sh's.)
// Usage: node relay_budget.mjs path/to/acx
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import http from "node:http";
import { SCALE, acx, check, exited, finish, quietPort, request, scratch, startAcx, startListener, waitFor } from
  "./lib.mjs";

const dir = scratch("relay-budget");
const TOKEN = "delivery-token-1";
const RELAY_TOKEN = "relay-token-0123456789";
const OTHER_TOKEN = "relay-token-abcdefghij";
const q = (db, sql) => execFileSync("sqlite3", [db, sql], { maxBuffer: 1 << 30 }).toString().trim();
const template = execFileSync(acx, ["fixtures", "show", "job.milestone.current_changed"]).toString();
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
// Delivery n: 1 MB when big, its own padding so that no two bodies are alike.
const body = (n, big) => template.replace(/"eventId": "[^"]*"/, `"eventId": "${id(n)}"`)
  .replace(/^\{/, `{"n": ${n}, "pad": "${big ? String(n).padStart(8, "0").repeat(125000) : ""}",`);
const peak = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const MB = 1024 * 1024;

const relayPort = await quietPort();
const relayDb = join(dir, "relay.db");
const relay = await startAcx(dir, "relay", ["listen", "--port", String(relayPort), "--journal", relayDb,
  "--format", "json", "--secret", TOKEN, "--relay-token", RELAY_TOKEN, "--relay-token", OTHER_TOKEN,
  "--max-body", "2m", "--relay-max-streams", "2", "--durability", "process"]);
const post = async (n, big) => {
  const r = await request(relayPort, { path: `/webhooks/acculynx?token=${TOKEN}`, body: body(n, big), timeoutMs: 60000 });
  check(r.status === 200, `the relay takes delivery ${n}: ${r.status} ${r.body.slice(0, 200)}`);
};
for (let n = 1; n <= 150; n++) await post(n, true);
const upstream = (token) => ["--upstream", `http://127.0.0.1:${relayPort}`, "--relay-token", token, "--max-body", "2m"];
const live = await startListener(dir, "live", [...upstream(RELAY_TOKEN), "--upstream-from", "now"]);
await waitFor(() => /connected at #150/.test(live.stderr()), 30, "the live laptop to connect at #150");
const catching = await startListener(dir, "catching", upstream(RELAY_TOKEN));
// While the second laptop catches up, small deliveries arrive: the live laptop gets each.
for (let n = 151; n <= 170; n++) await post(n, false);
const accepted = (name) => Number(q(join(dir, `${name}.db`), "SELECT count(*) FROM deliveries WHERE status = 'accepted'"));
await waitFor(() => accepted("live") === 20, 60, "the live laptop to have the 20 live deliveries");
await waitFor(() => accepted("catching") === 170, 120, "the catching laptop to have all 170");
const rows = (db) => q(db, "SELECT event_id || ' ' || hex(sha3(body)) FROM deliveries ORDER BY seq");
check(rows(join(dir, "catching.db")) === rows(relayDb), "the catching laptop has the relay's deliveries, byte for byte");

// A third stream of the same token is refused; another token still gets one.
const open = (token) => new Promise((resolve) => {
  const req = http.get({ host: "127.0.0.1", port: relayPort, path: "/relay?after=now",
    headers: { Authorization: `Bearer ${token}` } }, (res) => {
    let text = "";
    res.on("data", (d) => { text += d; if (res.statusCode === 200) { req.destroy(); resolve({ status: 200 }); } });
    res.on("end", () => resolve({ status: res.statusCode, text }));
  });
  req.on("error", () => {});
});
const third = await open(RELAY_TOKEN);
check(third.status === 503 && /2 streams of this relay token already/.test(third.text),
  `a third stream of one token: ${third.status} ${third.text}`);
check((await open(OTHER_TOKEN)).status === 200, "another token still gets a stream");

if (SCALE === 1) {
  const relayPeak = peak(relay.proc.pid);
  check(relayPeak < 200 * MB, `the relay's peak RSS ${(relayPeak / MB).toFixed(0)} MB, under 200 MB`);
  console.log(`relay peak RSS: ${(relayPeak / MB).toFixed(0)} MB`);
}

// SIGTERM while a laptop catches up on all 170 from the start.
const late = await startListener(dir, "late", upstream(OTHER_TOKEN));
await waitFor(() => accepted("late") > 0, 60, "a late laptop to start catching up");
relay.proc.kill("SIGTERM");
check((await exited(relay.proc)) === 0, "the relay stops cleanly on SIGTERM while a laptop catches up");
for (const p of [live, catching, late]) {
  p.proc.kill("SIGTERM");
  await exited(p.proc);
}
finish();
