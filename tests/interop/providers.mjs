// `acx listen --forward-scheme github` and `shopify` feed apps built on the providers' own libraries, out of the box:
// @octokit/webhooks' Node middleware and @shopify/shopify-api's webhooks.validate (pinned in package-lock.json) take
// every forward, each with its own delivery id (the eventId), and Shopify's shop domain and API version can be set
// with --forward-header. Skipped (77) without the packages: scripts/setup --test installs them.
// Usage: node providers.mjs path/to/acx
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { acx, check, finish, request, scratch, startListener, waitFor } from "../e2e/lib.mjs";

const modules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");
if (!existsSync(join(modules, "@octokit", "webhooks")) || !existsSync(join(modules, "@shopify", "shopify-api"))) {
  console.log("SKIP: @octokit/webhooks or @shopify/shopify-api is not installed (scripts/setup --test, or npm ci here)");
  process.exit(77);
}
const require = createRequire(import.meta.url);
const { Webhooks, createNodeMiddleware } = await import(join(modules, "@octokit", "webhooks", "dist-bundle", "index.js"));
require(join(modules, "@shopify", "shopify-api", "dist", "cjs", "adapters", "node", "index.js"));
const { shopifyApi, ApiVersion, LogSeverity } = require(join(modules, "@shopify", "shopify-api", "dist", "cjs", "lib", "index.js"));

const dir = scratch("providers");
const SECRET = "a-forward-secret-0123456789";
const events = [0, 1, 2].map(() => execFileSync(acx, ["fixtures", "show", "job_created", "--fresh"]).toString());
const ids = events.map((e) => JSON.parse(e).eventId);
const serve = (handler) => new Promise((resolve) => {
  const server = http.createServer(handler);
  server.listen(0, "127.0.0.1", () => resolve(server));
});

// GitHub: octokit's middleware, as an app built on it runs it.
const github = new Webhooks({ secret: SECRET });
const received = []; // {id, name, payload}
github.onAny(({ id, name, payload }) => received.push({ id, name, payload }));
const githubServer = await serve(createNodeMiddleware(github, { path: "/github" }));
const githubAnswers = [];

// Shopify: webhooks.validate on the raw body.
const shopify = shopifyApi({ apiKey: "acx-test", apiSecretKey: SECRET, scopes: [], hostName: "127.0.0.1",
  apiVersion: ApiVersion.October25, isEmbeddedApp: false, logger: { level: LogSeverity.Error } });
const validated = []; // what validate said
const shopifyServer = await serve((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const result = await shopify.webhooks.validate({ rawBody: Buffer.concat(chunks).toString(), rawRequest: req,
      rawResponse: res });
    validated.push(result);
    res.writeHead(result.valid ? 200 : 400).end(JSON.stringify(result));
  });
});

const origin = (server) => `http://127.0.0.1:${server.address().port}`;
const gh = await startListener(dir, "gh", ["--forward-to", `${origin(githubServer)}/github`, "--forward-scheme", "github",
  "--forward-secret", SECRET, "--name", "octokit"]);
const sh = await startListener(dir, "sh", ["--forward-to", `${origin(shopifyServer)}/webhooks`, "--forward-scheme",
  "shopify", "--forward-secret", SECRET, "--name", "shopify"]);
const sh2 = await startListener(dir, "sh2", ["--forward-to", `${origin(shopifyServer)}/webhooks`, "--forward-scheme",
  "shopify", "--forward-secret", SECRET, "--forward-header", "X-Shopify-Shop-Domain: roofs-r-us.myshopify.com",
  "--forward-header", "X-Shopify-API-Version: 2025-07"]);
for (const l of [gh, sh]) {
  for (const e of events) check((await request(l.port, { body: e })).status === 200, "an event accepted");
}
check((await request(sh2.port, { body: events[0] })).status === 200, "an event accepted");

await waitFor(() => received.length >= 3, 30, "octokit's middleware to take three forwards");
check(received.map((r) => r.id).join() === ids.join(), `octokit: X-GitHub-Delivery is each event's id: ${received.map((r) => r.id)}`);
check(received.every((r) => r.name === "job_created"), `octokit: X-GitHub-Event is the topic: ${received.map((r) => r.name)}`);
check(received.every((r, i) => r.payload.eventId === ids[i]), "octokit: the payload as sent");
const githubLog = execFileSync(acx, ["events", "list", "--journal", join(dir, "gh.db"), "--consumer", "octokit",
  "--state", "delivered", "--format", "json"]).toString().trim().split("\n").filter(Boolean);
check(githubLog.length === 3, `the three forwards delivered (octokit answered 200): ${githubLog.length}`);

await waitFor(() => validated.length >= 4, 30, "Shopify's validate to see four forwards");
const valid = validated.filter((v) => v.valid);
check(valid.length === 4, `Shopify: every forward valid: ${JSON.stringify(validated.filter((v) => !v.valid))}`);
const byId = Object.fromEntries(valid.map((v) => [v.webhookId, v]));
check(ids.every((id) => byId[id]), `Shopify: X-Shopify-Webhook-Id is each event's id: ${Object.keys(byId)}`);
check(valid.filter((v) => v.domain === "acx-forward.myshopify.com" && v.apiVersion === "2025-10").length === 3,
  "Shopify: the default shop domain and API version");
check(valid.some((v) => v.domain === "roofs-r-us.myshopify.com" && v.apiVersion === "2025-07"),
  "Shopify: --forward-header sets the shop domain and API version");
check(valid.every((v) => v.topic === "JOB_CREATED"), `Shopify: X-Shopify-Topic is the topic (as the library stores it): ${valid.map((v) => v.topic)}`);

for (const l of [gh, sh, sh2]) l.proc.kill("SIGTERM");
githubServer.close();
shopifyServer.close();
finish();
