#!/usr/bin/env bash
# The docs stand on their own in a clone: every relative link in the Markdown files names a file of the project, and
# none points outside it (../shared, say, which a clone does not have).
set -uo pipefail
root=${1:-.}
cd "$root" || exit 1
bad=0
while IFS= read -r doc; do
  dir=$(dirname "$doc")
  while IFS= read -r target; do
    target=${target%%#*}
    [[ -z $target || $target == http://* || $target == https://* || $target == mailto:* ]] && continue
    if [[ ! -e $dir/$target ]]; then
      echo "FAIL: $doc links to $target, which is not in the project"
      bad=1
    fi
  done < <(grep -o '\](\([^)]*\))' "$doc" | sed 's/^](//; s/)$//')
  if grep -n '\.\./shared' "$doc"; then
    echo "FAIL: $doc points outside the project (../shared)"
    bad=1
  fi
done < <(git ls-files '*.md' 2>/dev/null || find . -name '*.md' -not -path './build*')
[[ $bad == 0 ]] && echo "docs: every link resolves inside the project"
exit $bad
