#!/usr/bin/env bash
# Module boundaries that hold. Each third-party library is included (and SQLite called) only inside the module that
# wraps it, so the rest of acx sees acx's own types. And the modules are layered: a module includes only the modules
# the table below allows it (lower ones), so there is no cycle and no include from a lower module up to a higher one.
# Fails naming every file that crosses a boundary.
# Usage: boundaries.sh SOURCE_DIR
set -uo pipefail
cd "${1:?usage: boundaries.sh SOURCE_DIR}"
failures=0 checks=0
# allowed PATTERN WHERE...: files under lib/ and tools/ that match PATTERN must be among WHERE (paths or directories).
allowed() {
  local pattern=$1 file ok where
  shift
  checks=$((checks + 1))
  while IFS= read -r file; do
    ok=0
    for where in "$@"; do
      [[ $file == "$where" || $file == "$where"/* ]] && ok=1
    done
    if ((ok == 0)); then
      echo "FAIL: $file uses '$pattern' outside $*" >&2
      failures=$((failures + 1))
    fi
  done < <(grep -rlE --include='*.cpp' --include='*.hpp' "$pattern" lib tools)
}
allowed '#include <httplib\.h>' lib/acx/http/client.cpp
allowed '#include <microhttpd\.h>' lib/acx/http/server.cpp lib/acx/http/streams.cpp
allowed '#include <sqlite3\.h>|sqlite3_[a-z]' lib/acx/sqlite
allowed '#include <libpq-fe\.h>|\bPQ[a-z]+\(' lib/acx/pg
allowed '#include <openssl/' lib/acx/util/crypto.cpp
allowed '#include <toml\+\+/' lib/acx/config
allowed '#include <CLI/' tools/acx
allowed '#include <valijson/' lib/acx/contract/contract.cpp
allowed '#include <jq\.h>|#include <jv\.h>' lib/acx/jq/jq.cpp
allowed '#include <nats/' lib/acx/nats/publisher.cpp

# Which module may include which: the layering, lowest first. tools/acx (the command line) may include any module.
declare -A may_include=(
  [util]=""
  [sqlite]="util"
  [pg]="util"
  [event]="util"
  [contract]="util event"
  [signing]="util"
  [jq]="util"
  [nats]="util"
  [http]="util"
  [config]="util nats signing"
  [journal]="util sqlite pg event"
  [deliver]="util contract event http signing"
  [acculynx]="util deliver event http"
  [check]="util contract deliver event http signing"
  [forward]="util config deliver event http jq journal nats signing"
  [present]="util contract event journal forward"
  [inspect]="util config contract deliver event http journal present signing"
  [relay]="util contract deliver event http journal"
  [listen]="util config contract event forward http inspect journal present relay signing"
  [sandbox]="util acculynx config deliver event http signing sqlite"
  [trigger]="util acculynx event sandbox"
  [reconcile]="util acculynx event journal"
  [hydrate]="util acculynx event forward journal"
)
# The table itself has no cycle (tsort names one if it does).
for module in "${!may_include[@]}"; do
  for lower in ${may_include[$module]}; do echo "$lower $module"; done
done | tsort >/dev/null || { echo "FAIL: the table of module edges has a cycle" >&2; failures=$((failures + 1)); }
for dir in lib/acx/*/; do
  module=$(basename "$dir")
  checks=$((checks + 1))
  if [[ ! -v may_include[$module] ]]; then
    echo "FAIL: lib/acx/$module is not in the table of module edges (tests/boundaries.sh)" >&2
    failures=$((failures + 1))
    continue
  fi
  while IFS=: read -r file target; do
    [[ $target == "$module" || " ${may_include[$module]} " == *" $target "* ]] && continue
    echo "FAIL: $file includes acx/$target/: $module may include only: ${may_include[$module]:-nothing of acx}" >&2
    failures=$((failures + 1))
  done < <(grep -rHoE --include='*.cpp' --include='*.hpp' '#include "acx/[a-z_]+/' "$dir" |
    sed -E 's|^([^:]+):#include "acx/([a-z_]+)/|\1:\2|')
done
# Inside the journal family: each engine (journal/sqlite, journal/postgres) includes the family's common parts and
# itself, never the other engine; the common parts include no engine, but for open.cpp, which picks one.
for engine in sqlite postgres; do
  checks=$((checks + 1))
  while IFS=: read -r file target; do
    [[ $target == "$engine" ]] && continue
    echo "FAIL: $file includes acx/journal/$target/: an engine includes only itself and the family's common parts" >&2
    failures=$((failures + 1))
  done < <(grep -rHoE '#include "acx/journal/[a-z_]+/' "lib/acx/journal/$engine" |
    sed -E 's|^([^:]+):#include "acx/journal/([a-z_]+)/|\1:\2|')
done
checks=$((checks + 1))
while IFS= read -r file; do
  [[ $file == lib/acx/journal/open.cpp ]] && continue
  echo "FAIL: $file includes an engine: only lib/acx/journal/open.cpp picks one" >&2
  failures=$((failures + 1))
done < <(grep -lE '#include "acx/journal/(sqlite|postgres)/' lib/acx/journal/*.?pp)
echo "$checks boundaries, $failures crossings"
((failures == 0))
