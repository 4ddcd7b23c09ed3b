// W3C trace context on forwards: every forward carries a valid traceparent; a delivery's trace is the same on every
// attempt (a fresh span id each), shown by acx events show; a sender's valid traceparent (and tracestate) is
// continued, a malformed one is not; a command gets TRACEPARENT.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acx, check, finish, scratch, startListener, request, waitFor, exited } from "./lib.mjs";
import { event, startApp } from "./apps.mjs";

const dir = scratch("forward-trace");
const pattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const shown = (seq) => JSON.parse(spawnSync(acx, ["events", "show", String(seq), "--journal", join(dir, "trace.db"),
  "--format", "json"], { encoding: "utf8" }).stdout);

let failFirst = true;
const app = await startApp({ answer: (g) => (failFirst && g.id === plain.id ? ((failFirst = false), 503) : 200) });
const l = await startListener(dir, "trace", ["--forward-to", app.url,
  "--exec", `printf '%s\\n' "$TRACEPARENT" >> ${join(dir, "exec.txt")}`]);
const plain = event(1, 0), traced = event(2, 0), malformed = event(3, 0);
const sender = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
await request(l.port, { body: plain.body });
await request(l.port, { body: traced.body, headers: { traceparent: sender, tracestate: "rojo=00f067aa0ba902b7" } });
await request(l.port, { body: malformed.body, headers: { traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01" } });
await waitFor(() => app.accepted().length === 3, 60, "three forwards, one of them retried");

const of = (e) => app.got.filter((g) => g.id === e.id);
const [first, again] = of(plain);
const p1 = pattern.exec(first?.headers.traceparent ?? ""), p2 = pattern.exec(again?.headers.traceparent ?? "");
check(p1 && p2, `every forward carries a valid traceparent (${first?.headers.traceparent}, ${again?.headers.traceparent})`);
check(p1 && p2 && p1[1] === p2[1] && p1[2] !== p2[2], "a retry continues the same trace with a span of its own");
check(p1 && p1[3] === "01", "sampled, so an instrumented app records its part");
check(p1 && shown(first.seq).traceId === p1[1], "acx events show records the delivery's trace");
const t = pattern.exec(of(traced)[0].headers.traceparent);
check(t && t[1] === "4bf92f3577b34da6a3ce929d0e0e4736" && t[2] !== "00f067aa0ba902b7" && t[3] === "01",
  `the sender's trace is continued, as a child of its span (${of(traced)[0].headers.traceparent})`);
check(of(traced)[0].headers.tracestate === "rojo=00f067aa0ba902b7", "its tracestate is passed on");
check(shown(of(traced)[0].seq).traceId === "4bf92f3577b34da6a3ce929d0e0e4736", "events show: the sender's trace");
const m = pattern.exec(of(malformed)[0].headers.traceparent);
check(m && m[1] !== "00000000000000000000000000000000", "a malformed traceparent is not continued: a trace of acx's");
await waitFor(() => readFileSync(join(dir, "exec.txt"), "utf8").trim().split("\n").length === 3, 30, "three commands");
const lines = readFileSync(join(dir, "exec.txt"), "utf8").trim().split("\n");
check(lines.every((x) => pattern.test(x)) && lines.some((x) => x.includes("4bf92f3577b34da6a3ce929d0e0e4736")),
  "a command gets TRACEPARENT, in the same trace");
l.proc.kill("SIGTERM");
await exited(l.proc);
await app.stop();
finish();
