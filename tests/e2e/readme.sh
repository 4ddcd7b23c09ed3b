#!/usr/bin/env bash
# The README's examples, run as written: every ```sh block after a `<!-- test -->` line, in the README's order, in one
# shell (so what one block starts or writes, the next may use), with `acx` on PATH, a fresh HOME, and the README's
# fixed ports (8787 to 8790) moved to free ones. In a block of `$ ` prompts, the prompt lines (with their `\`
# continuations) are the commands and the rest is sample output; a block without prompts is a script. Each command
# must exit 0, or N when its line ends with `# exits N`.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/bin" "$WORK/home" "$WORK/run"
ln -s "$ACX" "$WORK/bin/acx"
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
ports=()
while ((${#ports[@]} < 4)); do
  p=$(free_port)
  [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
done

# README -> one script: each command runs, and its exit code is checked against what the README says.
node - "$SRC/README.md" "${ports[@]}" >"$WORK/readme-script.sh" <<'EOF'
const [readme, ...free] = process.argv.slice(2);
const fixed = ["8787", "8788", "8789", "8790"]; // the README's ports, each moved to a free one
const lines = require("fs").readFileSync(readme, "utf8").split("\n");
const out = ["set -u", "failures=0", "commands=0",
  'check() { local want=$1 got=$2 where=$3; commands=$((commands + 1)); if [ "$got" != "$want" ]; then ' +
  'echo "FAIL: README line $where exited $got, expected $want" >&2; failures=$((failures + 1)); fi; }'];
for (let i = 0; i < lines.length; i++) {
  if (lines[i].trim() !== "<!-- test -->") continue;
  let j = i + 1;
  if (!lines[j].startsWith("```sh")) throw new Error(`README line ${j + 1}: <!-- test --> is not before a sh block`);
  const block = [];
  for (j++; j < lines.length && !lines[j].startsWith("```"); j++) block.push({ text: lines[j], line: j + 1 });
  const prompted = block.some((b) => b.text.startsWith("$ "));
  let command = null;
  const flush = () => {
    if (!command) return;
    const m = command.text.match(/#\s*exits\s+(\d+)\s*$/);
    const text = fixed.reduce((t, port, i) => t.replaceAll(port, free[i]), command.text);
    // A command put in the background is not checked; `wait` on it is.
    if (/&\s*(#.*)?$/.test(text.trim())) out.push(text);
    else out.push(`${text}\ncheck ${m ? m[1] : 0} $? ${command.line}`);
    command = null;
  };
  for (const b of block) {
    if (command && command.continued) {
      command.text += "\n" + b.text;
      command.continued = b.text.endsWith("\\");
      continue;
    }
    flush();
    if (prompted && !b.text.startsWith("$ ")) continue; // sample output
    const text = prompted ? b.text.slice(2) : b.text;
    if (!text.trim() || text.trim().startsWith("#")) continue;
    command = { text, line: b.line, continued: text.endsWith("\\") };
  }
  flush();
}
out.push('echo "README: $commands commands checked, $failures failed"', "jobs -p | xargs -r kill", "wait", "exit $failures");
console.log(out.join("\n"));
EOF
expect_eq "$?" 0 "the README's marked blocks are extracted"

(cd "$WORK/run" && HOME="$WORK/home" XDG_STATE_HOME= XDG_CONFIG_HOME= ACX_API_KEY= ACX_API_BASE= ACX_SECRET= \
  PATH="$WORK/bin:$PATH" timeout $((90 * SCALE)) bash "$WORK/readme-script.sh" >"$WORK/readme.out" 2>"$WORK/readme.err")
rc=$?
checks=$((checks + 1))
if ((rc != 0)); then
  fail "the README's examples (exit $rc):"
  grep -E '^(FAIL|README)' "$WORK/readme.err" >&2
  grep -v "^acx: refused a delivery" "$WORK/readme.err" | tail -n 80 >&2 # an abort or sanitizer report shows here
fi
summary=$(grep '^README:' "$WORK/readme.out")
echo "$summary"
[[ $summary =~ ([0-9]+)\ commands ]] && ((BASH_REMATCH[1] >= 20)) ||
  fail "fewer README commands ran than the marked blocks hold: $summary"
checks=$((checks + 1))

finish
