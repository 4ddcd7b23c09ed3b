// `acx events retry` and the inspect page's button mean now: an event waiting out a 60-second backoff (the app said
// Retry-After: 60) is tried again within seconds of being asked, in the running listener, and the inspect list shows
// each delivery's forward state (the app's last answer).
// Usage: node retry_now.mjs path/to/acx
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { acx, check, finish, request, scratch, startAcx, startListener, waitFor } from "./lib.mjs";

const dir = scratch("retry-now");
const template = spawnSync(acx, ["fixtures", "show", "job_created", "--fresh"]).stdout.toString();
const event = (n) => template.replace(/"eventId": "[^"]*"/, `"eventId": "00000000-0000-4000-8000-${String(n).padStart(12, "0")}"`)
  .replace(/"id": "[0-9a-f-]{36}"/, `"id": "00000000-0000-4000-9000-${String(n).padStart(12, "0")}"`);

// The app: 503 with Retry-After: 60 until it is mended.
let mended = false;
const got = []; // {id, attempt, at}
const app = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    got.push({ id: req.headers["x-acx-event-id"], attempt: Number(req.headers["x-acx-attempt"]), at: Date.now() });
    if (mended) return res.writeHead(200).end("ok");
    res.writeHead(503, { "Retry-After": "60" }).end("down for a deploy");
  });
});
await new Promise((r) => app.listen(0, "127.0.0.1", r));
const appUrl = `http://127.0.0.1:${app.address().port}/hooks`;

const l = await startListener(dir, "l", ["--forward-to", appUrl, "--name", "app"]);
const journal = join(dir, "l.db");
const post = (n) => request(l.port, { body: event(n) });
const attempts = (n) => got.filter((g) => g.id === `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`);
const run = (args) => spawnSync(acx, args, { encoding: "utf8" });

// 1. acx events retry: the first attempt failed, the backoff is 60 s; asked to retry, it goes within seconds.
check((await post(1)).status === 200, "event 1 accepted");
await waitFor(() => attempts(1).length === 1, 30, "event 1's first attempt");
await waitFor(() => run(["events", "list", "--journal", journal, "--consumer", "app", "--state", "pending"]).stdout
  .includes("00000000-0000-4000-8000-000000000001"), 30, "event 1 recorded as waiting");
mended = true;
let asked = Date.now();
const retried = run(["events", "retry", "--journal", journal, "--consumer", "app"]);
check(retried.status === 0 && /1 event due again for app/.test(retried.stderr), `events retry: ${retried.stderr}`);
// Not scaled: the point is that it comes long before the 60 s backoff would have let it.
const within = async (fn, seconds) => {
  const deadline = Date.now() + seconds * 1000;
  while (!fn() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return fn();
};
check(await within(() => attempts(1).length === 2, 40), `event 1 tried again after events retry (attempts: ${attempts(1).length})`);
if (attempts(1).length === 2) {
  check(attempts(1)[1].at - asked < 40000, `within ${attempts(1)[1].at - asked} ms of asking, not after the 60 s backoff`);
  check(attempts(1)[1].attempt === 2, `as attempt 2: ${attempts(1)[1].attempt}`);
}

// 2. The inspect page: the list says what the app last answered; the delivery's page has the button; it means now.
mended = false;
check((await post(2)).status === 200, "event 2 accepted");
await waitFor(() => attempts(2).length === 1, 30, "event 2's first attempt");
await waitFor(() => run(["events", "list", "--journal", journal, "--consumer", "app", "--state", "pending"]).stdout
  .includes("00000000-0000-4000-8000-000000000002"), 30, "event 2 recorded as waiting");
const page = await startAcx(dir, "page", ["inspect", "--journal", journal, "--port", "0"]);
const pageUrl = new URL(readFileSync(join(dir, "page.ready"), "utf8").trim());
const port = Number(pageUrl.port);
const token = pageUrl.searchParams.get("token");
const first = await request(port, { method: "GET", path: `/?token=${token}` });
const cookie = (first.headers?.["set-cookie"] || [""])[0].split(";")[0];
const get = (path) => request(port, { method: "GET", path, headers: { Cookie: cookie } });
const list = await get("/");
check(list.status === 200 && list.body.includes('<td class="forwarded">app: 200, delivered</td>'),
  "the list: event 1's forward state");
check(list.body.includes('<td class="forwarded">app: 503, waiting to retry</td>'), "the list: event 2's forward state");
const detail = await get("/d/a2");
check(detail.status === 200 && detail.body.includes("<button>retry now for app</button>"), "the delivery's page: the button");
check(!(await get("/d/a1")).body.includes("retry now for"), "no button for a delivered event");
mended = true;
const origin = `http://127.0.0.1:${port}`;
const form = (fields) => new URLSearchParams(fields).toString();
const foreign = await request(port, { path: "/retry", headers: { Cookie: cookie, Origin: "http://evil.example",
  "Content-Type": "application/x-www-form-urlencoded" }, body: form({ token, id: "a2", consumer: "app" }) });
check(foreign.status === 403, `a retry from another origin: ${foreign.status}`);
const unknown = await request(port, { path: "/retry", headers: { Cookie: cookie, Origin: origin,
  "Content-Type": "application/x-www-form-urlencoded" }, body: form({ token, id: "a2", consumer: "nobody" }) });
check(unknown.status === 404, `a retry for a consumer that is not there: ${unknown.status}`);
asked = Date.now();
const pressed = await request(port, { path: "/retry", headers: { Cookie: cookie, Origin: origin,
  "Content-Type": "application/x-www-form-urlencoded" }, body: form({ token, id: "a2", consumer: "app" }) });
check(pressed.status === 200 && pressed.body.includes("Due now"), `the button: ${pressed.status}`);
check(await within(() => attempts(2).length === 2, 40), `event 2 tried again after the button (attempts: ${attempts(2).length})`);
if (attempts(2).length === 2) check(attempts(2)[1].at - asked < 40000, `within ${attempts(2)[1].at - asked} ms`);

page.proc.kill("SIGTERM");
l.proc.kill("SIGTERM");
app.close();
finish();
