#!/usr/bin/env bash
# Every C++ file is as .clang-format (clang-format 14, Debian 12's) writes it. Fails naming each file that differs;
# `clang-format -i FILE` fixes it. Skipped (77) where clang-format is not installed: scripts/setup --test installs it.
# Usage: format.sh SOURCE_DIR
set -uo pipefail
cd "${1:?usage: format.sh SOURCE_DIR}"
command -v clang-format >/dev/null || { echo "clang-format is not installed: skipped" >&2; exit 77; }
mapfile -d '' files < <(find lib tools tests bench -path '*/node_modules' -prune -o \( -name '*.cpp' -o -name '*.hpp' \) -print0)
# One clang-format for all of them; it names each file that differs ("FILE:LINE:COL: error: code should be
# clang-formatted").
differ=$(clang-format --dry-run -Werror "${files[@]}" 2>&1 | sed -nE 's/^([^:]+):[0-9]+:[0-9]+: error: code should be clang-formatted.*/\1/p' | sort -u)
failures=0
while IFS= read -r file; do
  [[ -n $file ]] || continue
  echo "FAIL: $file differs from .clang-format (clang-format -i $file)" >&2
  failures=$((failures + 1))
done <<<"$differ"
echo "${#files[@]} files, $failures not formatted"
((failures == 0))
