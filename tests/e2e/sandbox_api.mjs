// AccuLynx itself on loopback: the sandbox's /api/v2 (paging both ways, date filters, _links that resolve, a company
// per key, problem details, 401), 50 business changes delivered as exactly 50 events with their documented fields and
// written to each job's history, a consumer given up on after --give-up-after, --drop repeated by its seed, and
// `acx trigger` against a listener (the ids it prints are the delivery's) and against no listener (exit 6 in time).
// Usage: node sandbox_api.mjs path/to/acx
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import { join } from "node:path";
import { acx, check, finish, quietPort, request, scratch, startAcx, waitFor, SCALE } from "./lib.mjs";

const dir = scratch("sandbox-api");
const config = join(dir, "config.toml");
const run = (args) => spawnSync(acx, args, { encoding: "utf8" });
const parse = (text) => { try { return JSON.parse(text); } catch { return null; } };
const lines = (text) => text.split("\n").filter(Boolean).map(JSON.parse);

async function sandbox(name, args) {
  const s = await startAcx(dir, name, ["sandbox", "--port", "0", "--data-dir", join(dir, name), ...args]);
  s.base = `http://127.0.0.1:${s.port}/webhooks/v2`;
  s.call = async (key, path, { method = "GET", body } = {}) => {
    const a = await request(s.port, { method, path: path.startsWith("/_") ? path : `/api/v2${path}`,
      headers: key ? { Authorization: `Bearer ${key}` } : {}, body: body === undefined ? "" : JSON.stringify(body) });
    return { ...a, json: parse(a.body) };
  };
  // Follows an absolute _link: it must point at this sandbox.
  s.follow = async (key, link) => {
    const u = new URL(link);
    check(u.port === String(s.port) && u.hostname === "127.0.0.1", `the _link ${link} points at the sandbox`);
    const a = await request(s.port, { method: "GET", path: u.pathname + u.search, headers: { Authorization: `Bearer ${key}` } });
    return { ...a, json: parse(a.body) };
  };
  s.cli = (key, args) => run([...args, "--api-base", s.base, "--api-key", key]);
  return s;
}

// A subscription of `key` to `topics` at a listener's URL on `port`, in profile `profile` of the test's config.
function subscribe(s, key, port, topics, profile) {
  const r = s.cli(key, ["subscribe", "--url", `http://127.0.0.1:${port}/hooks`, ...topics.flatMap((t) => ["--topic", t]),
    "--contact", "dev@example.com", "--config", config, "--profile", profile]);
  check(r.status === 0, `subscribe ${profile} (${r.stderr.trim()})`);
}
const listen = (name, port, profile) => startAcx(dir, name, ["listen", "--profile", profile, "--config", config,
  "--port", String(port), "--journal", join(dir, `${name}.db`)]);
const journal = (name) => lines(run(["events", "list", "--journal", join(dir, `${name}.db`), "--format", "json"]).stdout);
const attempts = (s, key) => lines(s.cli(key, ["sandbox", "deliveries", "--format", "json"]).stdout);

// ---- The API: one sandbox without AccuLynx's limits, so that setting up 125 jobs takes no time.
const s1 = await sandbox("s1", ["--api-key", "k1", "--api-key", "k2", "--api-key", "k3", "--api-key", "k4",
  "--api-key", "k5", "--key-limit", "10000", "--address-limit", "10000"]);
{
  const none = await s1.call(null, "/jobs");
  check(none.status === 401 && none.json?.status === 401 && none.json?.title === "Unauthorized",
    "401 problem details without a key");
  check((await s1.call("nope", "/jobs")).status === 401, "401 with an unknown key");
  const ping = await s1.call("k1", "/diagnostics/ping");
  check(ping.status === 200, "GET /diagnostics/ping");

  const contact = await s1.call("k1", "/contacts", { method: "POST", body: { firstName: "Ann", lastName: "Lee" } });
  check(contact.status === 200 && contact.json?.id && contact.json?._link, "POST /contacts: id and _link");
  const missing = await s1.call("k1", "/jobs/Createjob", { method: "POST", body: { contactId: "no-such-contact" } });
  check(missing.status === 404 && /no contact/.test(missing.json?.detail), "Createjob needs an existing contact");
  const bare = await s1.call("k1", "/jobs/Createjob", { method: "POST", body: {} });
  check(bare.status === 400 && /contactId/.test(bare.json?.detail), "Createjob without contactId is 400");
  const made = [];
  for (let i = 0; i < 125; i++) {
    const job = await s1.call("k1", "/jobs/Createjob", { method: "POST",
      body: { contactId: contact.json.id, jobName: `Job ${String(i).padStart(3, "0")}` } });
    made.push(job.json?.id);
  }
  check(made.every(Boolean) && new Set(made).size === 125, "125 jobs created, each with its own id");

  // Paging by recordStartIndex: 50, 50, 25, the boundaries inside the list; both ways.
  const pages = [];
  for (const start of [0, 50, 100]) {
    const p = await s1.call("k1", `/jobs?pageSize=50&recordStartIndex=${start}`);
    check(p.json?.count === 125 && p.json?.pageSize === 50 && p.json?.recordStartIndex === start,
      `jobs page at ${start}: {count, pageSize, recordStartIndex, items}`);
    pages.push(...(p.json?.items ?? []).map((j) => j.id));
  }
  check(JSON.stringify(pages) === JSON.stringify(made), "three pages give the 125 jobs in creation order, none twice");
  const back = await s1.call("k1", "/jobs?pageSize=50&recordStartIndex=100&sortOrder=Descending");
  check(JSON.stringify(back.json?.items.map((j) => j.id)) === JSON.stringify(made.slice(0, 25).reverse()),
    "descending: the last page holds the first 25, newest first");
  const byName = await s1.call("k1", "/jobs?pageSize=3&sortBy=JobName&sortOrder=Descending");
  check(byName.json?.items.map((j) => j.jobName).join() === "Job 124,Job 123,Job 122", "sortBy JobName");
  check((await s1.call("k1", "/jobs?pageSize=0")).status === 400, "pageSize 0 is 400");
  check((await s1.call("k1", "/jobs?sortBy=color")).json?.status === 400, "an unknown sortBy is 400, and says so");

  // Date filters: created today; none from tomorrow; a modification found by ModifiedDate.
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86400e3).toISOString().slice(0, 10);
  check((await s1.call("k1", `/jobs?dateFilterType=CreatedDate&startDate=${today}&endDate=${today}`)).json?.count === 125,
    "created between today and today (the end day included): all");
  check((await s1.call("k1", `/jobs?dateFilterType=CreatedDate&startDate=${tomorrow}`)).json?.count === 0,
    "created from tomorrow: none");
  const before = new Date().toISOString();
  const changed = s1.cli("k1", ["sandbox", "job", "update", made[7], "--set", "jobName=Renamed", "--format", "json"]);
  check(changed.status === 0 && parse(changed.stdout)?.jobName === "Renamed", "acx sandbox job update");
  const modified = await s1.call("k1", `/jobs?dateFilterType=ModifiedDate&startDate=${before}`);
  check(modified.json?.count === 1 && modified.json?.items[0].id === made[7], "modified since: only the changed job");
  check((await s1.call("k1", "/jobs?startDate=yesterday")).status === 400, "a date that is not one is 400");

  // _links resolve at the sandbox: a job's, its contact's, a history line's.
  const first = (await s1.call("k1", "/jobs?pageSize=1")).json.items[0];
  const followed = await s1.follow("k1", first._link);
  check(followed.status === 200 && followed.json?.id === first.id, "a job's _link resolves to the job");
  const ofContact = await s1.follow("k1", first.contacts[0].contact._link);
  check(ofContact.status === 200 && ofContact.json?.firstName === "Ann", "the job's contact _link resolves");
  const history = await s1.call("k1", `/jobs/${first.id}/history`);
  check(history.json?.recordStartIndex === 0 && history.json?.items[0].action === "JobCreated", "a job's history");
  check((await s1.follow("k1", history.json.items[0]._link)).status === 200, "a history line's _link resolves");

  // Contacts are paged by pageStartIndex.
  for (let i = 0; i < 29; i++) {
    await s1.call("k1", "/contacts", { method: "POST", body: { firstName: `C${i}` } });
  }
  const c2 = await s1.call("k1", "/contacts?pageSize=25&pageStartIndex=25");
  check(c2.json?.count === 30 && c2.json?.pageStartIndex === 25 && c2.json?.items.length === 5,
    "contacts: {count, pageSize, pageStartIndex, items}, the second page");
  check((await s1.call("k1", "/contacts", { method: "POST", body: { phone: "1" } })).status === 400,
    "a contact without a name is 400");

  // A key sees only its company.
  check((await s1.call("k2", "/jobs")).json?.count === 0, "another key's company has no jobs");
  const theirs = await s1.call("k2", `/jobs/${made[0]}`);
  check(theirs.status === 404 && theirs.json?.title === "Not Found" && theirs.json?.traceId,
    "another company's job is a 404 with problem details");
  check((await s1.call("k1", "/jobs/00000000-0000-4000-8000-000000000000/history")).status === 404,
    "the history of a missing job is 404");
}

// ---- Hostile input to every new route: a 400 or 404 that says what is wrong, never a 500, and the sandbox lives on.
{
  const contact = (await s1.call("k2", "/contacts", { method: "POST", body: { firstName: "H" } })).json.id;
  const job = (await s1.call("k2", "/jobs/Createjob", { method: "POST", body: { contactId: contact } })).json.id;
  const raw = async (method, path, body) => {
    const a = await request(s1.port, { method, path, headers: { Authorization: "Bearer k2" }, body });
    return { ...a, json: parse(a.body) };
  };
  const cases = [
    ["POST", "/api/v2/contacts", "not json", /firstName or lastName/],
    ["POST", "/api/v2/contacts", "[1,2]", /JSON object/],
    ["POST", "/api/v2/contacts", '{"firstName":5}', /firstName must be a string/],
    ["POST", "/api/v2/contacts", '{"firstName":"x"', /JSON object/],
    ["POST", "/api/v2/jobs/Createjob", '{"contactId":7}', /contactId must be a string/],
    ["POST", "/api/v2/jobs/Createjob", `{"contactId":"${contact}","jobName":{"a":1}}`, /jobName must be a string/],
    ["GET", "/api/v2/jobs?pageSize=1e3", "", /pageSize must be 1 to 100/],
    ["GET", "/api/v2/jobs?recordStartIndex=-5", "", /recordStartIndex 0 or more/],
    ["GET", "/api/v2/jobs?pageSize=99999999999999999999", "", /pageSize/],
    ["GET", "/api/v2/jobs?dateFilterType=Deleted", "", /dateFilterType 'Deleted' is not one of/],
    ["GET", "/api/v2/jobs?startDate=2026-13-45", "", /startDate must be a date/],
    ["GET", `/api/v2/jobs/${job}/history?endDate=%00%ff`, "", /endDate must be a date/],
    ["GET", "/api/v2/contacts/%2e%2e%2f%2e%2e", "", null],
    ["POST", `/_sandbox/jobs/${job}/milestone`, "{}", /no milestone ''/],
    ["POST", `/_sandbox/jobs/${job}/milestone`, '{"milestone":["Lead"]}', /milestone must be a string/],
    ["POST", `/_sandbox/jobs/${job}/update`, '{"set":"jobName=x"}', /set must be an array/],
    ["POST", `/_sandbox/jobs/${job}/update`, '{"set":[]}', /nothing to change/],
    ["POST", `/_sandbox/jobs/${job}/update`, '{"set":["id=other"]}', /'id' is kept by the sandbox/],
    ["POST", `/_sandbox/jobs/${job}/update`, '{"set":["noequals"]}', /./],
    ["POST", `/_sandbox/jobs/${job}/update`, '{"set":["jobName.x.y=1","jobName=2"]}', /./],
    ["POST", "/_sandbox/contacts/nobody/update", '{"set":["a=1"]}', /no contact nobody/],
  ];
  for (const [method, path, body, why] of cases) { // why null: any 404 (the path is routed nowhere)
    const a = await raw(method, path, body);
    check((a.status === 400 || a.status === 404) && (why === null || why.test(a.json?.detail ?? "")),
      `${method} ${path} ${body.slice(0, 40)}: ${a.status} ${a.json?.detail}`);
  }
  const huge = await raw("POST", "/api/v2/contacts", JSON.stringify({ firstName: "x".repeat(2 << 20) }));
  check(huge.status === 413, `an oversized body is 413 (${huge.status})`);
  const deep = await raw("POST", "/api/v2/contacts", "[".repeat(100000) + "]".repeat(100000));
  check(deep.status === 400, `a deeply nested body is 400 (${deep.status})`);
  check((await s1.call("k2", `/jobs/${job}`)).json?.id === job, "the sandbox still answers, the job intact");
}

// ---- 50 changes, through the API and acx sandbox's commands: exactly 50 deliveries, with their fields.
{
  const port = await quietPort();
  subscribe(s1, "k3", port, ["job_created", "job_updated", "job.milestone.current_changed", "contact_added",
    "contact_changed"], "changes");
  const l = await listen("changes", port, "changes");
  const contacts = [];
  const jobs = [];
  for (let i = 0; i < 10; i++) {
    contacts.push((await s1.call("k3", "/contacts", { method: "POST", body: { firstName: "F", lastName: `L${i}` } })).json.id);
  }
  for (let i = 0; i < 10; i++) {
    jobs.push((await s1.call("k3", "/jobs/Createjob", { method: "POST",
      body: { contactId: contacts[i], leadSource: "Referral", jobCategory: "Commercial",
        locationAddress: { street1: `${i} Main St`, city: "Springfield", state: "IL", zipCode: "62701" } } })).json.id);
  }
  const cli = (args) => {
    const r = s1.cli("k3", args);
    check(r.status === 0, `acx ${args.join(" ")} (${r.stderr.trim()})`);
  };
  for (let i = 0; i < 10; i++) cli(["sandbox", "job", "milestone", jobs[i % 5], i < 5 ? "prospect" : "Approved"]);
  for (let i = 0; i < 10; i++) cli(["sandbox", "job", "update", jobs[i], "--set", `jobName=Job ${i}`]);
  for (let i = 0; i < 10; i++) cli(["sandbox", "contact", "update", contacts[i], "--set", `lastName=M${i}`]);

  await waitFor(() => journal("changes").length >= 50, 60, "50 deliveries");
  await waitFor(() => attempts(s1, "k3").filter((a) => a.status === 200).length >= 50, 30,
    "the sandbox's log to show 50 deliveries");
  const got = journal("changes");
  check(got.length === 50, `exactly 50 deliveries (${got.length})`);
  check(got.every((r) => r.status === "accepted"), "all accepted, none a duplicate");
  const by = (topic) => got.filter((r) => r.topic === topic).map((r) => r.envelope.event);
  for (const t of ["job_created", "job_updated", "job.milestone.current_changed", "contact_added", "contact_changed"]) {
    check(by(t).length === 10, `10 ${t}`);
  }
  const created = by("job_created").find((e) => e.job.id === jobs[3])?.job;
  check(created && created.jobName === "F L3" && created.leadSource === "Referral" &&
    created.jobCategory === "Commercial" && created.locationAddress?.street1 === "3 Main St" &&
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/.test(created.createdDate) &&
    created.contacts?.[0]?.isPrimary === true && created.contacts[0].contact?.id === contacts[3] &&
    created.contacts[0].contact.lastName === "L3" && created._link?.endsWith(`/api/v2/jobs/${jobs[3]}`),
  "job_created: name, creation time, lead source, categorization, location, primary contact, _link");
  const moved = by("job.milestone.current_changed").filter((e) => e.job.id === jobs[0]).map((e) => e.job.milestone);
  check(JSON.stringify(moved) === JSON.stringify([{ id: 2, name: "Prospect", isCurrent: true },
    { id: 3, name: "Approved", isCurrent: true }]), "job.milestone.current_changed: {id, name, isCurrent}");
  check(by("contact_added").every((e) => e.contact.id && e.contact.date && e.contact._link), "contact_added fields");
  check(by("contact_changed").every((e) => contacts.includes(e.contact.id) && e.contact._link), "contact_changed fields");
  check(by("job_updated").every((e) => jobs.includes(e.job.id) && e.job.modifiedDate), "job_updated fields");
  for (const e of got.map((r) => r.envelope.event)) {
    const subject = e.job ?? e.contact;
    const followed = await s1.follow("k3", subject._link);
    if (followed.json?.id !== subject.id) check(false, `the delivery's _link ${subject._link} resolves`);
  }
  check(true, "every delivery's _link resolves at the sandbox");

  const h = (await s1.call("k3", `/jobs/${jobs[0]}/history`)).json.items;
  check(h.map((x) => x.action).join() === "JobCreated,MilestoneChanged,MilestoneChanged,JobUpdated",
    "job 0's history lists its four changes in order");
  check(h.every((x, i) => i === 0 || x.date >= h[i - 1].date), "with their times, in order");
  const ms = (await s1.call("k3", `/jobs/${jobs[0]}/milestone-history`)).json.items.map((x) => x.milestone.name);
  check(ms.join() === "Lead,Prospect,Approved", "its milestone history");
  check((await s1.call("k3", `/jobs/${jobs[0]}/milestones/current`)).json?.name === "Approved", "its current milestone");
  check((await s1.call("k3", `/jobs/${jobs[9]}/history`)).json.items.map((x) => x.action).join() ===
    "JobCreated,JobUpdated", "job 9's history");
  const wrong = s1.cli("k3", ["sandbox", "job", "milestone", jobs[0], "Paid"]);
  check(wrong.status === 1 && /no milestone 'Paid': one of Lead, Prospect/.test(wrong.stderr), "an unknown milestone");
  l.proc.kill("SIGTERM");
}

// ---- acx trigger: with a listener, the printed ids are the delivery's; with none, exit 6 in the given time.
{
  const port = await quietPort();
  subscribe(s1, "k4", port, ["job_created"], "trigger");
  await listen("trigger", port, "trigger");
  const r = s1.cli("k4", ["trigger", "job_created", "--wait", "10s", "--journal", join(dir, "trigger.db"), "--format",
    "json", "--set", "jobName=Triggered"]);
  check(r.status === 0, `trigger job_created --wait: exit 0 (${r.stderr.trim()})`);
  const out = parse(r.stdout);
  const [contact, job] = out?.made ?? [];
  const got = journal("trigger").find((x) => x.seq === out?.arrived?.seq)?.envelope?.event?.job;
  check(got && got.id === job?.id && got.contacts[0].contact.id === contact?.id && got.jobName === "Triggered",
    "the printed ids are those in the journal's delivery, --set applied");
  check(typeof out?.arrived?.ms === "number" && out.arrived.ms >= 0, `the time is printed (${out?.arrived?.ms} ms)`);
  console.log(`trigger: job_created reached the journal ${out?.arrived?.ms} ms after the change`);
  check(job?._link?.startsWith(`http://127.0.0.1:${s1.port}/api/v2/jobs/`), "and the job's _link");
  // A canned event (emit) names a job that then exists here: its _link resolves at the sandbox, not at AccuLynx.
  const emitted = s1.cli("k4", ["sandbox", "emit", "job_created", "--format", "json"]);
  const eventId = parse(emitted.stdout.split("\n")[0])?.eventId;
  await waitFor(() => journal("trigger").some((x) => x.eventId === eventId), 30, "the emitted event");
  const canned = journal("trigger").find((x) => x.eventId === eventId).envelope.event.job;
  const resolved = await s1.follow("k4", canned._link);
  check(resolved.status === 200 && resolved.json?.id === canned.id, "an emitted event's _link resolves at the sandbox");

  const text = s1.cli("k4", ["trigger", "job.milestone.current_changed", "--journal", join(dir, "trigger.db")]);
  check(text.status === 0 && /job +\S+ changed +http/.test(text.stdout), "trigger without --wait prints what it made");

  subscribe(s1, "k5", await quietPort(), ["job_created"], "nobody");
  const began = Date.now();
  const t = s1.cli("k5", ["trigger", "job_created", "--wait", "2s", "--journal", join(dir, "nobody.db")]);
  const took = (Date.now() - began) / 1000;
  check(t.status === 6 && /no job_created delivery/.test(t.stderr), `no listener: exit 6 (${t.status})`);
  check(took >= 2 && took < 2 + 20 * SCALE, `within the given time (${took} s)`);
  check(/job +\S+ created/.test(t.stdout), "what it made is printed all the same");

  // Against an API that is not the sandbox (a stand-in for AccuLynx): only what the public API offers.
  const fake = http.createServer((req, res) => { res.writeHead(404, { "Content-Type": "application/json" });
    res.end('{"title":"Not Found","status":404}'); });
  await new Promise((ok) => fake.listen(0, "127.0.0.1", ok));
  // Run without blocking this process, which answers for the stand-in.
  const real = await new Promise((resolve) => {
    const p = spawn(acx, ["trigger", "job.milestone.current_changed", "--api-base",
      `http://127.0.0.1:${fake.address().port}/webhooks/v2`, "--api-key", "partner-key"]);
    let stderr = "";
    p.stderr.on("data", (d) => (stderr += d));
    p.on("exit", (status) => resolve({ status, stderr }));
  });
  check(real.status === 2 && /public API cannot cause job.milestone.current_changed: move a job to another milestone/
    .test(real.stderr), `a topic AccuLynx's API cannot cause: what to do by hand (${real.stderr.trim()})`);
  fake.close();
  const unknown = s1.cli("k5", ["trigger", "job.invoice_voided"]);
  check(unknown.status === 2 && /acx sandbox emit job.invoice_voided/.test(unknown.stderr), "a topic it cannot cause");
}

// ---- Give-up: a consumer down past --give-up-after never gets those events; they stay in the history.
{
  const s2 = await sandbox("s2", ["--api-key", "g", "--give-up-after", "2s", "--key-limit", "10000",
    "--address-limit", "10000"]);
  const port = await quietPort();
  subscribe(s2, "g", port, ["job_created"], "giveup");
  const contact = (await s2.call("g", "/contacts", { method: "POST", body: { firstName: "G" } })).json.id;
  const lost = [];
  for (let i = 0; i < 3; i++) {
    lost.push((await s2.call("g", "/jobs/Createjob", { method: "POST", body: { contactId: contact } })).json.id);
  }
  await waitFor(() => attempts(s2, "g").filter((a) => /given up/.test(a.error)).length === 3, 60,
    "three deliveries given up");
  const l = await listen("giveup", port, "giveup");
  const late = (await s2.call("g", "/jobs/Createjob", { method: "POST", body: { contactId: contact } })).json.id;
  await waitFor(() => journal("giveup").length >= 1, 30, "the next delivery");
  const got = journal("giveup");
  check(got.length === 1 && got[0].envelope.event.job.id === late, "only the later event arrives");
  const log = attempts(s2, "g");
  check(log.every((a) => a.status !== 200 || a.eventId === got[0].eventId), "no given-up event was delivered later");
  check(log.filter((a) => /given up/.test(a.error)).every((a) => a.attempt > 1), "each was retried before giving up");
  for (const id of lost) {
    const h = await s2.call("g", `/jobs/${id}/history`);
    if (h.json?.items?.[0]?.action !== "JobCreated") check(false, `job ${id}'s history`);
  }
  check(true, "the lost events' changes are in the history");
  l.proc.kill("SIGTERM");
  s2.proc.kill("SIGTERM");
}

// ---- --drop with a seed loses the same deliveries twice.
async function dropRun(name) {
  const s = await sandbox(name, ["--api-key", "d", "--drop", "0.25", "--seed", "42", "--key-limit", "10000",
    "--address-limit", "10000"]);
  check(/--drop with --seed 42/.test(s.stderr()), "the seed is shown");
  const port = await quietPort();
  subscribe(s, "d", port, ["job_created"], name);
  const l = await listen(name, port, name);
  const contact = (await s.call("d", "/contacts", { method: "POST", body: { firstName: "D" } })).json.id;
  for (let i = 0; i < 20; i++) {
    await s.call("d", "/jobs/Createjob", { method: "POST", body: { contactId: contact, jobName: `drop ${i}` } });
  }
  await waitFor(() => attempts(s, "d").filter((a) => a.status === 200 || /dropped/.test(a.error)).length >= 20, 60,
    "20 deliveries sent or dropped");
  const sent = attempts(s, "d").filter((a) => a.status === 200).length;
  await waitFor(() => journal(name).length >= sent, 30, "the sent ones in the journal");
  l.proc.kill("SIGTERM");
  s.proc.kill("SIGTERM");
  return journal(name).map((r) => r.envelope.event.job.jobName).sort();
}
const first = await dropRun("drop1");
const second = await dropRun("drop2");
check(first.length > 0 && first.length < 20, `--drop 0.25 lost some of 20 (${20 - first.length})`);
check(JSON.stringify(first) === JSON.stringify(second), "the same ones, twice, with the same seed");

finish();
