// README's "Querying the journal with SQL", run as written on a journal of each engine: SQLite (sqlite3) and
// PostgreSQL (psql, against a server the test starts). The same deliveries go to both: one job milestone delivered
// twice (a duplicate), another job's, and a contact; the query lists the two milestones, newest first, with their jobs
// and how many times each was delivered.
// Usage: node sql.mjs path/to/acx
import { execFileSync, spawnSync } from "node:child_process";
import { acx, check, exited, finish, recipe, request, scratch, startListener, startAcx, startPostgres } from "./lib.mjs";

const dir = scratch("sql");
if (spawnSync("sh", ["-c", "command -v sqlite3 && command -v psql"]).status !== 0) {
  console.log("SKIP: sqlite3 or psql is not installed (scripts/setup --test installs them)");
  process.exit(77);
}
const fixture = (topic) => execFileSync(acx, ["fixtures", "show", topic]).toString();
const milestone = fixture("job.milestone.current_changed");
const JOB = /"id": "([0-9a-f-]{36})"/.exec(milestone)[1];
const OTHER = "11111111-2222-4333-8444-555555555555";
const second = milestone.replace(/"eventId": "[^"]*"/, '"eventId": "00000000-0000-4000-8000-000000000002"')
  .replaceAll(JOB, OTHER);
const deliveries = [milestone, milestone, second, fixture("contact_added")];

// Posts the deliveries to a listener on `journal`; returns the statuses it answered.
async function deliver(name, journal) {
  const l = await startAcx(dir, name, ["listen", "--port", "0", "--journal", journal, "--format", "json"]);
  const statuses = [];
  for (const body of deliveries) {
    const a = await request(l.port, { body });
    statuses.push(a.status === 200 ? JSON.parse(a.body).status : `http ${a.status}`);
  }
  l.proc.kill("SIGTERM");
  await exited(l.proc); // its last connection's checkpoint done: the recipe reads a journal nobody is closing
  return statuses;
}
// The recipe's rows: "seq|received|job|delivered" (sqlite3's default), or psql's aligned table, as [seq, job, n].
const rows = (out) => out.split("\n").map((line) => line.split("|").map((c) => c.trim()))
  .filter((c) => c.length === 4 && /^\d+$/.test(c[0])).map((c) => [Number(c[0]), c[2], Number(c[3])]);
// Newest first: the other job's milestone (number 3: a duplicate is found before it is inserted, so it takes no
// number it does not keep), then the first one's (delivered twice).
const want = (second) => JSON.stringify([[second, OTHER, 1], [1, JOB, 2]]);

// SQLite: the recipe as written, its journal path the test's.
{
  const journal = `${dir}/journal.db`;
  const statuses = await deliver("sqlite", journal);
  check(statuses.join() === "accepted,duplicate,accepted,accepted", `SQLite answers: ${statuses}`);
  const sql = recipe("sql-sqlite").replaceAll("~/.local/state/acx/journal.db", journal);
  const run = spawnSync("bash", ["-c", sql]);
  check(run.status === 0, `the SQLite recipe runs: ${run.stderr}`);
  const got = JSON.stringify(rows(run.stdout.toString()));
  check(got === want(3), `the SQLite recipe's rows: ${got} (want ${want(3)})`);
}

// PostgreSQL: the recipe as written, its URI the test server's.
{
  const pg = await startPostgres(dir);
  const statuses = await deliver("postgres", pg.uri);
  check(statuses.join() === "accepted,duplicate,accepted,accepted", `PostgreSQL answers: ${statuses}`);
  const sql = recipe("sql-postgres").replaceAll("postgresql://acx@db.internal/acx", `'${pg.uri}'`);
  const run = spawnSync("bash", ["-c", sql]);
  check(run.status === 0, `the PostgreSQL recipe runs: ${run.stderr}`);
  const got = JSON.stringify(rows(run.stdout.toString()));
  check(got === want(3), `the PostgreSQL recipe's rows: ${got} (want ${want(3)})`);
  pg.stop();
}

finish();
