// Interoperability with the Standard Webhooks reference implementation (npm package standardwebhooks, pinned in
// package-lock.json): it verifies what `acx sign` produced and what `acx listen --forward-scheme standard`
// forwards, and `acx verify` accepts what it signed. Skipped (77) without the package: scripts/setup --test
// installs it.
// Usage: node interop.mjs path/to/acx
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { exited, startListener, waitFor } from "../e2e/lib.mjs";

const modules = join(dirname(fileURLToPath(import.meta.url)), "node_modules", "standardwebhooks");
if (!existsSync(modules)) {
  console.log("SKIP: the standardwebhooks package is not installed (scripts/setup --test, or npm ci here)");
  process.exit(77);
}
const require = createRequire(import.meta.url);
const { Webhook } = require(modules);

const acx = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), "acx-interop-"));
let failures = 0;
let passed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else { failures++; console.error(`FAIL: ${what}`); }
};

const secret = "whsec_" + Buffer.from("acx interop secret, 32 bytes...!").toString("base64");
const wh = new Webhook(secret);
const fixture = execFileSync(acx, ["fixtures", "show", "job.milestone.current_changed", "--fresh"]);
const bodies = [
  Buffer.from('{"test": 2432232314}'),
  fixture,
  Buffer.from('{"topicName":"contact_added","note":"Zoë’s roof — 100% done ✓"}'),
  Buffer.from(""),
];

for (const [i, body] of bodies.entries()) {
  const file = join(dir, `body${i}.json`);
  writeFileSync(file, body);

  // acx signs, the reference verifies.
  const out = execFileSync(acx, ["sign", "--scheme", "standard", "--secret", secret, "--format", "json", file]).toString();
  const headers = JSON.parse(out).headers;
  try {
    wh.verify(body.toString(), headers);
    check(true);
  } catch (e) {
    check(false, `reference rejected acx's signature of body ${i}: ${e.message}`);
  }
  // ... and rejects it for a changed body.
  let rejected = false;
  try { wh.verify(body.toString() + " ", headers); } catch { rejected = true; }
  check(rejected, `reference accepted a tampered body ${i}`);

  // The reference signs, acx verifies.
  const id = `msg_interop_${i}`;
  const ts = new Date();
  const signature = wh.sign(id, ts, body.toString());
  const args = ["verify", "--scheme", "standard", "--secret", secret, "-H", `webhook-id: ${id}`,
    "-H", `webhook-timestamp: ${Math.floor(ts.getTime() / 1000)}`, "-H", `webhook-signature: ${signature}`, file];
  const r = spawnSync(acx, args);
  check(r.status === 0 && r.stdout.toString() === "verified\n",
    `acx rejected the reference's signature of body ${i}: ${r.stderr}`);
  const bad = spawnSync(acx, args.map((a) => (a.startsWith("webhook-id") ? "webhook-id: msg_other" : a)));
  check(bad.status === 1 && bad.stderr.toString().includes("(mismatch)"), `acx accepted a changed webhook-id (body ${i})`);
}

// acx listen forwards an event signed with --forward-scheme standard: the reference verifies it.
{
  const got = [];
  const app = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push({ body: Buffer.concat(chunks).toString(), headers: req.headers });
      res.end("ok");
    });
  });
  await new Promise((r) => app.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${app.address().port}/hooks`;
  const l = await startListener(dir, "forward", ["--forward-to", url, "--forward-secret", secret, "--forward-scheme",
    "standard"]);
  const answer = await fetch(`http://127.0.0.1:${l.port}/webhooks/acculynx`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: fixture });
  check(answer.status === 200, `the listener accepted the event: ${answer.status}`);
  await waitFor(() => got.length === 1, 30, "the forward");
  try {
    wh.verify(got[0].body, got[0].headers);
    check(true);
  } catch (e) {
    check(false, `reference rejected the forward's signature: ${e.message}`);
  }
  l.proc.kill("SIGTERM");
  await exited(l.proc);
  app.close();
}

rmSync(dir, { recursive: true });
console.log(`${passed} passed, ${failures} failed`);
process.exit(failures === 0 && passed > 0 ? 0 : 1);
