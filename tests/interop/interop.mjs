// Interoperability with the Standard Webhooks reference implementation (npm package standardwebhooks, pinned in
// package-lock.json): it verifies what `acx sign` produced, and `acx verify` accepts what it signed.
// Usage: node interop.mjs path/to/acx
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { Webhook } = require(join(dirname(fileURLToPath(import.meta.url)), "node_modules", "standardwebhooks"));

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

rmSync(dir, { recursive: true });
console.log(`${passed} passed, ${failures} failed`);
process.exit(failures === 0 && passed > 0 ? 0 : 1);
