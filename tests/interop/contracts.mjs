// Payload contracts, judged by code nobody here wrote. acx listen --contract warn accepts a delivery with a new member,
// a missing required one and a string where the schema says number, and journals those three paths (events list
// --drift, events show, events stats, /metrics); --contract refuse answers 422 naming the path. acx schema learn over
// 2,000 varied deliveries writes schemas under which Ajv (JSON Schema 2020-12, formats checked) validates all 2,000,
// and reports the paths the shipped schema lacks; acx schema diff marks a removed required member as breaking and an
// added optional one as not; acx schema export's documents pass the OpenAPI 3.1 validator
// (@seriousme/openapi-schema-validator) and the AsyncAPI parser (@asyncapi/parser); acx check's tolerant-reader fails
// a receiver that refuses unknown members and passes one that ignores them.
// Usage: node contracts.mjs path/to/acx
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Parser } from "@asyncapi/parser";
import { acx, check, finish, request, scratch, startListener } from "../e2e/lib.mjs";

const dir = scratch("contracts");
const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures");
const run = (args) => spawnSync(acx, args, { encoding: "utf8", maxBuffer: 64 << 20 });
const fixture = (topic) => JSON.parse(readFileSync(join(fixtures, `${topic}.json`), "utf8"));
const lines = (text) => text.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));

// A seeded generator (mulberry32): the same 2,000 deliveries on every run.
let seed = 38;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const guid = () => "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".replace(/x/g, () => Math.floor(random() * 16).toString(16));

// 1. warn, refuse.
const drifting = (() => {
  const body = fixture("job.milestone.current_changed");
  body.eventId = guid();
  body.event.job.crew = "North";
  delete body.event.job.milestone.isCurrent;
  body.event.job.milestone.id = "3";
  return JSON.stringify(body);
})();
const warn = await startListener(dir, "warn", []);
const warned = await request(warn.port, { body: drifting });
check(warned.status === 200, `under warn, a drifting delivery is accepted (${warned.status} ${warned.body})`);
const journal = join(dir, "warn.db");
const listed = lines(run(["events", "list", "--journal", journal, "--drift", "--format", "json"]).stdout);
check(listed.length === 1 && listed[0].drift?.length === 3, `events list --drift: the one delivery, 3 deviations`);
const shown = JSON.parse(run(["events", "show", "1", "--journal", journal, "--format", "json"]).stdout);
const paths = shown.drift.map((d) => `${d.kind} ${d.path}`).sort();
check(JSON.stringify(paths) === JSON.stringify(["added .event.job.crew", "missing .event.job.milestone.isCurrent",
  "type .event.job.milestone.id"]), `events show: the three paths (${paths})`);
const stats = lines(run(["events", "stats", "--journal", journal, "--format", "json"]).stdout)
  .find((l) => l.drift !== undefined);
check(stats?.drift === 1 && stats.paths.length === 3 && stats.first && stats.last,
  `events stats: per topic, 1 delivery with drift, 3 paths, first and last seen`);
const metrics = (await request(warn.port, { method: "GET", path: "/metrics" })).body;
for (const kind of ["added", "missing", "type"]) {
  check(metrics.includes(`acx_contract_drift_total{topic="job.milestone.current_changed",kind="${kind}"} 1`),
    `/metrics counts the ${kind} drift`);
}
warn.proc.kill("SIGTERM");

const strict = await startListener(dir, "refuse", ["--contract", "refuse"]);
const refused = await request(strict.port, { body: drifting });
check(refused.status === 422 && refused.body.includes(".event.job.milestone.id"),
  `under refuse: 422 naming the path (${refused.status} ${refused.body.slice(0, 200)})`);
const fine = fixture("job.milestone.current_changed");
fine.eventId = guid();
check((await request(strict.port, { body: JSON.stringify(fine) })).status === 200, "under refuse, a conforming one: 200");
strict.proc.kill("SIGTERM");

// 2. learn over 2,000 varied deliveries.
const topics = ["job_created", "job.milestone.current_changed", "job.invoice_updated", "contact_added",
  "job.trade-type_changed"];
const learning = await startListener(dir, "learn", ["--contract", "off"]);
const bodies = [];
for (let i = 0; i < 2000; ++i) {
  const topic = topics[i % topics.length];
  const b = fixture(topic);
  b.eventId = guid();
  const entity = b.event.job ?? b.event.contact;
  entity.id = guid();
  if (random() < 0.3) entity.crewSize = Math.floor(random() * 9); // a member AccuLynx may add
  if (topic === "job.invoice_updated") entity.invoice.costTotal = random() < 0.5 ? 100 : 99.5;
  if (topic === "job_created" && random() < 0.2) delete entity.jobNumber;
  bodies.push({ topic, body: JSON.stringify(b) });
}
for (let i = 0; i < bodies.length; i += 20) {
  const answers = await Promise.all(bodies.slice(i, i + 20).map((b) => request(learning.port, { body: b.body })));
  if (answers.some((a) => a.status !== 200)) throw new Error(`a delivery was not accepted: ${JSON.stringify(answers)}`);
}
learning.proc.kill("SIGTERM");
const learned = join(dir, "learned");
const learnRun = run(["schema", "learn", "--journal", join(dir, "learn.db"), "--out", learned, "--format", "json"]);
check(learnRun.status === 0, `schema learn exits 0 (${learnRun.stderr})`);
const reports = lines(learnRun.stdout);
check(reports.length === topics.length && reports.every((r) => r.deliveries === 400), "learn: 400 deliveries a topic");
const created = reports.find((r) => r.topic === "job_created");
check(created.differences.some((d) => d.what === "new" && d.path === ".event.job.crewSize"),
  "learn reports the path the shipped schema lacks (.event.job.crewSize)");
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validators = Object.fromEntries(readdirSync(learned).map((f) =>
  [f.replace(/\.json$/, ""), ajv.compile(JSON.parse(readFileSync(join(learned, f), "utf8")))]));
const invalid = bodies.filter((b) => !validators[b.topic](JSON.parse(b.body)));
check(invalid.length === 0, `Ajv validates all 2,000 deliveries against the learned schemas (${invalid.length} do not)`);
check(!validators.job_created({ ...JSON.parse(bodies[0].body), eventId: 7 }), "... and refuses one that differs");

// 3. diff.
const a = join(dir, "a"), b = join(dir, "b");
mkdirSync(a);
mkdirSync(b);
const shipped = JSON.parse(run(["schema", "show", "job.milestone.current_changed"]).stdout);
writeFileSync(join(a, "job.milestone.current_changed.json"), JSON.stringify(shipped));
const changed = structuredClone(shipped);
const job = changed.properties.event.properties.job;
delete job.properties.milestone;
job.required = job.required.filter((m) => m !== "milestone");
job.properties.crew = { type: "string" };
writeFileSync(join(b, "job.milestone.current_changed.json"), JSON.stringify(changed));
const diffRun = run(["schema", "diff", a, b, "--format", "json"]);
const changes = lines(diffRun.stdout);
const removed = changes.find((c) => c.path === ".event.job.milestone");
const added = changes.find((c) => c.path === ".event.job.crew");
check(diffRun.status === 1, `schema diff exits 1 when a change breaks a receiver (${diffRun.status})`);
check(removed?.what === "removed" && removed.breaking === true, "a removed required member is breaking");
check(added?.what === "added" && added.breaking === false, "an added optional member is not");
check(run(["schema", "diff", a, a]).status === 0, "the same set twice: no change, exit 0");

// 4. export.
const openapi = JSON.parse(run(["schema", "export", "--openapi"]).stdout);
const oa = await new Validator().validate(openapi);
check(oa.valid, `the OpenAPI 3.1 document is valid (${JSON.stringify(oa.errors)?.slice(0, 300)})`);
check(Object.keys(openapi.webhooks).length === 23, "one webhooks entry per topic");
check(!(await new Validator().validate({ ...openapi, info: undefined })).valid, "... and the validator can say no");
const asyncapiText = run(["schema", "export", "--asyncapi"]).stdout;
const { document, diagnostics } = await new Parser().parse(asyncapiText);
const errors = diagnostics.filter((d) => d.severity === 0);
check(document && errors.length === 0, `the AsyncAPI 3.0 document parses (${JSON.stringify(errors).slice(0, 300)})`);
check(document.allMessages().length === 23, "one message per topic");
const broken = JSON.parse(asyncapiText);
broken.operations.receive_job_created.action = "listen";
check((await new Parser().parse(JSON.stringify(broken))).diagnostics.some((d) => d.severity === 0),
  "... and the parser can say no");

// 5. check's tolerant-reader: a receiver that refuses unknown members fails it, one that ignores them passes.
function receiver(strictMembers) {
  const known = new Set(["id", "jobName", "jobNumber", "createdDate", "leadSource", "jobCategory", "locationAddress",
    "contacts", "_link", "milestone"]);
  return http.createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      let ok = req.method === "POST";
      try {
        const body = JSON.parse(text);
        const job = body.event?.job ?? {};
        if (strictMembers && Object.keys(job).some((k) => !known.has(k))) ok = false;
      } catch {
        ok = false;
      }
      res.writeHead(ok ? 204 : 400).end();
    });
  });
}
for (const [strictMembers, expect] of [[true, "fail"], [false, "pass"]]) {
  const server = receiver(strictMembers);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/hook`;
  // Not spawnSync: the receiver answers from this process's event loop.
  const out = await new Promise((resolve) => execFile(acx, ["check", url, "--scheme", "none", "--only", "tolerant-reader",
    "--format", "json"], (error, stdout, stderr) => resolve({ stdout, stderr })));
  const verdict = JSON.parse(out.stdout).checks.find((c) => c.id === "tolerant-reader")?.verdict;
  check(verdict === expect, `tolerant-reader: a receiver ${strictMembers ? "refusing" : "ignoring"} unknown members: ${
    verdict} (${out.stderr.slice(0, 200)})`);
  server.close();
}
finish();
