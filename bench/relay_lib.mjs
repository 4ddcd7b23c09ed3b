// Shared by the relay benchmarks (relay.mjs, relay_budget.mjs): a scratch directory removed at exit with every process
// started in it, and starting `acx listen` on a free port with a journal of its own there.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const procs = [];

// A scratch directory; it and every process in `procs` go when the benchmark exits.
export function scratch(name) {
  const dir = mkdtempSync(join(tmpdir(), `acx-bench-${name}-`));
  process.on("exit", () => { for (const p of procs) p.kill("SIGKILL"); rmSync(dir, { recursive: true, force: true }); });
  return dir;
}

// starter(acx, dir, common): start(name, args, onLine, nice) runs `acx listen` (--durability process, JSON lines,
// `common` and `args`) on a free port with the journal dir/NAME.db, under nice when asked (a laptop that stands for
// another machine), calls onLine with each line of its output, and resolves {p, port, err()} once it listens.
export function starter(acx, dir, common = []) {
  return async (name, args, onLine, nice = false) => {
    const ready = join(dir, `${name}.ready`);
    const argv = ["listen", "--port", "0", "--journal", join(dir, `${name}.db`), "--durability", "process",
      "--format", "json", "--ready-file", ready, ...common, ...args];
    const p = spawn(nice ? "nice" : acx, nice ? ["-n", "19", acx, ...argv] : argv, { stdio: ["ignore", "pipe", "pipe"] });
    procs.push(p);
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    let pending = "";
    p.stdout.on("data", (d) => {
      pending += d;
      let at;
      while ((at = pending.indexOf("\n")) >= 0) {
        onLine?.(pending.slice(0, at));
        pending = pending.slice(at + 1);
      }
    });
    while (!existsSync(ready) || !readFileSync(ready, "utf8").includes(":")) {
      if (p.exitCode !== null) throw new Error(`${name}: ${err}`);
      await sleep(20);
    }
    return { p, port: Number(readFileSync(ready, "utf8").trim().split(":").pop()), err: () => err };
  };
}
