#!/usr/bin/env bash
# The completion scripts in completions/ are what `acx completion` generates, and they complete in each shell.
source "$(dirname "$0")/lib.sh"

for pair in bash:acx.bash zsh:_acx fish:acx.fish; do
  shell=${pair%%:*} file=${pair#*:}
  "$ACX" completion "$shell" >"$WORK/$file"
  checks=$((checks + 1))
  cmp -s "$WORK/$file" "$SRC/completions/$file" ||
    fail "completions/$file is stale: regenerate with scripts/completions"
done

bash -n "$WORK/acx.bash" || fail "bash syntax"
complete_bash() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _acx; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$WORK/acx.bash" "$@"
}
expect_has "$(complete_bash acx ver)" "verify" "bash: subcommand"
expect_has "$(complete_bash acx sign --sch)" "--scheme" "bash: flag"
expect_eq "$(complete_bash acx sign --scheme s | tr '\n' ' ')" "standard svix shopify " "bash: flag values"
expect_eq "$(complete_bash acx fixtures show job.invoice_v)" "job.invoice_voided" "bash: topic argument"
expect_eq "$(complete_bash acx completion f)" "fish" "bash: shell argument"
expect_eq "$(complete_bash acx listen --topic job.invoice_v)" "job.invoice_voided" "bash: a --topic value"
expect_eq "$(complete_bash acx sandbox emit contact_ad)" "contact_added" "bash: a topic argument"
mkdir -p "$WORK/evts" && touch "$WORK/evts/contact_export.jsonl"
expect_eq "$(cd "$WORK/evts" && complete_bash acx send contact_ | tr '\n' ' ')" "contact_added contact_changed contact_export.jsonl " \
  "bash: send completes topics and files"

if command -v zsh >/dev/null; then
  zsh -n "$WORK/_acx" || fail "zsh syntax"
  checks=$((checks + 1))
else
  skip "zsh is not installed (scripts/setup --test installs it)"
fi

if command -v fish >/dev/null; then
  complete_fish() { fish -c "source $WORK/acx.fish; complete -C '$1'" | cut -f1; }
  expect_has "$(complete_fish 'acx fix')" "fixtures" "fish: subcommand"
  expect_eq "$(complete_fish 'acx fixtures ' | tr '\n' ' ')" "list show " "fish: nested subcommand"
  expect_has "$(complete_fish 'acx verify --scheme ')" "token" "fish: flag values"
  expect_has "$(complete_fish 'acx events list --topic job.invoice_')" "job.invoice_voided" "fish: a --topic value"
  expect_has "$(cd "$WORK/evts" && complete_fish 'acx send contact_')" "contact_export.jsonl" "fish: send completes files"
  expect_has "$(cd "$WORK/evts" && complete_fish 'acx send contact_')" "contact_added" "fish: and topics"
else
  skip "fish is not installed (scripts/setup --test installs it)"
fi

finish
