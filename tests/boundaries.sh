#!/usr/bin/env bash
# Module boundaries that hold: each third-party library is included (and SQLite called) only inside the module that
# wraps it, so the rest of acx sees acx's own types. Fails naming every file that crosses a boundary.
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
allowed '#include <microhttpd\.h>' lib/acx/http/server.cpp
allowed '#include <sqlite3\.h>|sqlite3_[a-z]' lib/acx/sqlite
allowed '#include <openssl/' lib/acx/util/crypto.cpp
allowed '#include <toml\+\+/' lib/acx/config
allowed '#include <CLI/' tools/acx
echo "$checks boundaries, $failures crossings"
((failures == 0))
