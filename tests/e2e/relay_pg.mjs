// A relay whose journal is in PostgreSQL: a duplicate's conflicting insert takes a sequence number that is never a
// delivery, and a laptop pulling across that hole is told of no gap (nothing was pruned), and gets every delivery.
// Against a real PostgreSQL 15 the test starts (skipped, 77, where none is installed).
// Usage: node relay_pg.mjs path/to/acx
import { execFileSync } from "node:child_process";
import { acx, check, exited, finish, request, scratch, startAcx, startListener, startPostgres } from "./lib.mjs";

const dir = scratch("relay-pg");
const pg = await startPostgres(dir);
const TOKEN = "the-delivery-token-0123456789";
const RELAY_TOKEN = "the-relay-token-0123456789";
const relay = await startAcx(dir, "relay", ["listen", "--port", "0", "--journal", pg.uri, "--secret", TOKEN,
  "--relay-token", RELAY_TOKEN]);
const fresh = () => execFileSync(acx, ["fixtures", "show", "job_created", "--fresh"]).toString();
const post = (body) => request(relay.port, { path: `/webhooks/acculynx?token=${TOKEN}`, body });
const first = fresh();
const statuses = [];
for (let i = 0; i < 3; i++) statuses.push(JSON.parse((await post(first)).body).status); // once, then two duplicates
statuses.push(JSON.parse((await post(fresh())).body).status);
check(statuses.join() === "accepted,duplicate,duplicate,accepted", `the relay's answers: ${statuses}`);

const laptop = await startListener(dir, "laptop", ["--upstream", `http://127.0.0.1:${relay.port}`, "--relay-token",
  RELAY_TOKEN, "--count", "2", "--timeout", "60s"], { keepStdout: true });
check((await exited(laptop.proc)) === 0, `the laptop pulled both deliveries: ${laptop.stderr()}`);
check(!/are gone|is gone|pruned/.test(laptop.stderr()), `no gap reported across the holes: ${laptop.stderr()}`);
const pulled = laptop.stdout().split("\n").filter(Boolean).map((l) => JSON.parse(l).eventId);
check(pulled.length === 2 && pulled[0] === JSON.parse(first).eventId, `both, in order: ${pulled}`);
relay.proc.kill("SIGTERM");
await exited(relay.proc);
finish();
