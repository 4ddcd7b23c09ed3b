#!/usr/bin/env bash
# No function in lib/ or tools/ is longer than 80 lines. A function's body is found as clang-format writes it (.clang-format:
# a function's opening brace alone on a line, its closing brace at the same indentation); the lines between them are
# counted. Fails naming each function over the limit, with its file and line.
# Usage: function_length.sh SOURCE_DIR [LIMIT]
set -uo pipefail
cd "${1:?usage: function_length.sh SOURCE_DIR [LIMIT]}"
limit=${2:-80}
find lib tools -name '*.cpp' -o -name '*.hpp' | sort | xargs awk -v limit="$limit" '
  FNR == 1 { inside = 0 }
  !inside && /^ *\{$/ {
    indent = index($0, "{") - 1; start = FNR; name = previous; inside = 1; next
  }
  inside && substr($0, 1, indent + 1) == sprintf("%" indent "s}", "") && substr($0, indent + 2, 1) !~ /[^;]/ {
    lines = FNR - start - 1
    if (lines > limit) {
      sub(/^ +/, "", name)
      printf "FAIL: %s:%d: %d lines: %s\n", FILENAME, start - 1, lines, name > "/dev/stderr"
      failures++
    }
    checked++
    inside = 0
  }
  { previous = $0 }
  END { printf "%d functions, %d over %d lines\n", checked, failures, limit; exit failures > 0 }
'
