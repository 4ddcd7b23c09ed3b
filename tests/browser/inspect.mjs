// acx inspect in a real headless Chromium (Debian's, driven by playwright-core) against a real acx listen: live rows,
// refusals with their reason, the detail, filters in the URL, diff, replay to a second listener, and the page's
// guards. Screenshots go to the test output directory. Skips (77, with the reason) when the browser cannot start.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { acx, check, finish, scratch, startListener, waitFor, SCALE } from "../e2e/lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const shots = process.argv[3] || join(here, "screenshots");
mkdirSync(shots, { recursive: true });
const skip = (why) => {
  console.log(`SKIP: ${why}`);
  process.exit(77);
};

let chromium;
try {
  chromium = createRequire(import.meta.url)(join(here, "node_modules", "playwright-core")).chromium;
} catch {
  skip("playwright-core is not installed (scripts/setup --test installs it)");
}
const executable = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
if (!executable) skip("no chromium (scripts/setup --test installs Debian's)");
let browser;
try {
  browser = await chromium.launch({ executablePath: executable, args: ["--no-sandbox", "--disable-gpu"] });
} catch (e) {
  skip(`chromium did not start: ${String(e.message).split("\n")[0]}`);
}

const dir = scratch("inspect");
const TOKEN = "t0k3n-inspect";
const listener = await startListener(dir, "main", ["--secret", TOKEN]);
const second = await startListener(dir, "second", ["--secret", "other-token"]);
const hook = `http://127.0.0.1:${listener.port}/webhooks/acculynx`;
const send = (args) => spawnSync(acx, ["send", ...args, "--to", hook], { encoding: "utf8" });

// acx inspect on the same journal, as its own process; its ready file holds the page's URL.
const ready = join(dir, "inspect.ready");
const inspect = spawn(acx, ["inspect", "--journal", join(dir, "main.db"), "--port", "0", "--ready-file", ready],
  { stdio: ["ignore", "pipe", "pipe"] });
process.on("exit", () => inspect.kill("SIGKILL"));
await waitFor(() => existsSync(ready) && readFileSync(ready, "utf8").includes("token="), 20, "acx inspect to start");
const pageUrl = readFileSync(ready, "utf8").trim();
const origin = new URL(pageUrl).origin;

send(["job_created", "--secret", TOKEN]);
const page = await browser.newPage();
page.setDefaultTimeout(10000 * SCALE);
await page.goto(pageUrl);
check((await page.locator("#rows tr").count()) === 1, "the list shows the first delivery");

// A delivery made with curl appears within 2 s, without reload; a refused one shows its reason.
const body = JSON.parse(spawnSync(acx, ["fixtures", "show", "contact_added", "--fresh"], { encoding: "utf8" }).stdout);
const curl = (token, data) => spawnSync("curl", ["-s", "-H", "Content-Type: application/json", "--data-binary", "@-",
  `${hook}?token=${token}`], { input: data, encoding: "utf8" });
curl(TOKEN, JSON.stringify(body));
const started = Date.now();
await page.locator("#rows tr", { hasText: "contact_added" }).first().waitFor({ timeout: 2000 * SCALE });
check(Date.now() - started <= 2000 * SCALE, `a new delivery appears without reload (${Date.now() - started} ms)`);
curl("wrong", JSON.stringify({ ...body, eventId: "6bf46c69-7d2c-4f82-aeea-cbe226e87599" }));
await page.locator("#rows tr.refused", { hasText: "refused: mismatch" }).waitFor({ timeout: 2000 * SCALE });
check(true, "a refused delivery appears with its reason");
await page.screenshot({ path: join(shots, "inspect-list.png"), fullPage: true });

// The detail: body byte for byte, verdict and diagnosis.
await page.locator("#rows tr.refused a").first().click();
await page.waitForURL(/\/d\/r\d+/);
const detail = await page.textContent("main");
check(detail.includes("refused: mismatch") && /token query parameter/.test(detail), "the refusal's diagnosis");
check((await page.textContent("#raw")).includes("6bf46c69-7d2c-4f82-aeea-cbe226e87599"), "the raw body");
await page.screenshot({ path: join(shots, "inspect-refused.png"), fullPage: true });

// A filter in the URL survives a reload.
await page.goto(`${origin}/?topic=contact_added`);
await page.reload();
const topics = await page.$$eval("#rows tr td:nth-child(4)", (tds) => tds.map((t) => t.textContent));
check(topics.length === 1 && topics[0] === "contact_added", `the filter holds after reload: ${topics}`);
check((await page.inputValue("input[name=topic]")) === "contact_added", "and shows in the form");

// Diff of two deliveries shows the changed field.
await page.goto(`${origin}/?verdict=accepted`);
const radios = page.locator("#rows tr");
await radios.nth(0).locator("input[name=a]").check();
await radios.nth(1).locator("input[name=b]").check();
await page.getByRole("button", { name: "diff the two picked" }).click();
await page.waitForURL(/\/diff\?/);
const diffText = await page.textContent("table.diff");
check(/\$\.topicName/.test(diffText) && /\$\.eventId/.test(diffText), "the diff names the changed fields");
await page.screenshot({ path: join(shots, "inspect-diff.png"), fullPage: true });

// Replay from the page reaches a second listener and shows its answer.
await page.goto(`${origin}/?topic=job_created`);
await page.locator("#rows tr a").first().click();
await page.fill("input[name=url]", `http://127.0.0.1:${second.port}/webhooks/acculynx`);
await page.fill("input[name=secret]", "other-token");
await page.getByRole("button", { name: "replay" }).click();
await page.locator("#answer").waitFor();
const answer = await page.textContent("#answer");
check(/answered 200/.test(answer) && /accepted/.test(answer), `the second listener's answer: ${answer}`);
const got = spawnSync(acx, ["events", "list", "--journal", join(dir, "second.db"), "--format", "json"], { encoding: "utf8" });
check(got.stdout.includes('"topic":"job_created"'), "the replay reached the second listener");
await page.screenshot({ path: join(shots, "inspect-replay.png"), fullPage: true });

// A body with markup is text, never run.
const hostile = structuredClone(body);
hostile.eventId = "6bf46c69-7d2c-4f82-aeea-cbe226e87511";
hostile.event.contact.name = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">";
curl(TOKEN, JSON.stringify(hostile));
await page.goto(`${origin}/?q=pwned`);
await page.locator("#rows tr a").first().click();
await page.waitForURL(/\/d\/a\d+/);
check((await page.textContent("#raw")).includes("<script>window.pwned = 1</script>"), "markup shown as text");
hostile.event.contact["<img src=x onerror=\"window.pwned = 3\">"] = 1; // markup in a key: in the drift paths too
hostile.eventId = "6bf46c69-7d2c-4f82-aeea-cbe226e87533";
curl(TOKEN, JSON.stringify(hostile));
check((await page.evaluate(() => window.pwned)) === undefined, "and never run");

// Drift: a delivery that differs from its topic's schema is marked on its row, found by the filter, and its paths are
// in the detail.
const drifting = structuredClone(body);
drifting.eventId = "6bf46c69-7d2c-4f82-aeea-cbe226e87522";
drifting.event.contact.crew = "North";
delete drifting.event.contact.date;
drifting.event.contact.id = 42;
curl(TOKEN, JSON.stringify(drifting));
await page.goto(`${origin}/?verdict=drift`);
const driftRows = page.locator("#rows tr");
await driftRows.filter({ hasText: "drift 3" }).first().waitFor();
const all = await driftRows.count();
check(all === 3 && (await page.locator("#rows tr .drift").count()) === all,
  `the drift filter shows the three deliveries that differ, each marked (${all})`);
await driftRows.filter({ hasText: "drift 3" }).locator("a").first().click();
await page.waitForURL(/\/d\/a\d+/);
const paths = await page.locator("ul.drift li").allTextContents();
check(paths.length === 3 && paths.some((p) => p.startsWith(".event.contact.crew: added")) &&
  paths.some((p) => p.startsWith(".event.contact.date: missing")) &&
  paths.some((p) => p.startsWith(".event.contact.id: type (integer, the schema says string)")),
  `the detail lists the three paths: ${paths.join(" | ")}`);
await page.goto(`${origin}/?verdict=drift`);
check((await page.evaluate(() => window.pwned)) === undefined, "markup in a drifting key is never run");
await page.screenshot({ path: join(shots, "inspect-drift.png"), fullPage: true });

// The guards, from outside the page.
const fetchStatus = async (path, init = {}) => (await fetch(`${origin}${path}`, init)).status;
const token = new URL(pageUrl).searchParams.get("token");
check(await fetchStatus("/") === 401, "no token: 401");
check(await fetchStatus(`/?token=${token}`, { headers: { Host: "evil.example" } }) === 403 ||
  spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.example", pageUrl], { encoding: "utf8" }).stdout === "403",
  "a foreign Host: 403");
check(await fetchStatus(`/replay?token=${token}`) === 405, "replay by GET: refused");
const crossOrigin = await fetchStatus(`/replay?token=${token}`, { method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "http://evil.example" },
  body: `token=${token}&id=a1&url=http://127.0.0.1:9/` });
check(crossOrigin === 403, `replay from another origin: ${crossOrigin}`);

await browser.close();
finish();
